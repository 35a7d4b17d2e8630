import AsyncHTTPClient
import Fleet
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

// The few calls of etcd v3 that EtcdLease makes, through etcd 3.4's JSON gateway (grpc-gateway): each RPC is a POST
// of the request message as JSON to /v3/<service>/<method>. The gateway's JSON follows protobuf's mapping: bytes
// (keys, values) are base64, 64-bit integers (lease IDs, revisions, TTLs) are strings, fields at their default
// value are left out (a false `succeeded`, an empty `kvs`, a lease of 0, a watch event's type PUT). Answers use
// the proto's field names (`create_revision`); requests may use either form. Streaming RPCs (keepalive, watch)
// wrap each message in `{"result": ...}`, one per line.

/// A client of etcd 3.4's JSON gateway: tries the endpoints in turn, each request bounded by `timeout`, and turns
/// every failure into a `LeaseBackendError` that says which call failed and why.
final class EtcdClient: Sendable {
    /// The members' base URLs, `http://host:port`.
    let endpoints: [String]
    /// How long one request to one endpoint may take, its answer included.
    let timeout: Duration
    private let http: HTTPClient
    /// The endpoint that answered last: tried first next time, so that a dead member costs one timeout, not one
    /// per request.
    private let preferred = Mutex(0)

    /// The largest answer read (a range of the fleet's members and notices is far smaller).
    private static let maximumAnswer = 4 << 20

    init(endpoints: [String], timeout: Duration, http: HTTPClient) {
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.timeout = timeout
        self.http = http
    }

    // MARK: The calls

    /// The key's value, nil when it is absent, and the store's revision at the time of the read.
    func get(_ key: Data) async throws -> (kv: KeyValue?, revision: Int64) {
        let answer: RangeResponse = try await call("/v3/kv/range", RangeRequest(key: key))
        return (answer.kvs?.first, answer.header.revision.value)
    }

    /// Every key that starts with `prefix`, in key order.
    func list(prefix: Data) async throws -> [KeyValue] {
        let answer: RangeResponse = try await call(
            "/v3/kv/range", RangeRequest(key: prefix, rangeEnd: Self.rangeEnd(ofPrefix: prefix)))
        return answer.kvs ?? []
    }

    /// Sets `key` to `value`, attached to `lease` when one is given (the key is deleted when the lease ends).
    func put(_ key: Data, _ value: Data, lease: Int64? = nil) async throws {
        let _: PutResponse = try await call(
            "/v3/kv/put", PutRequest(key: key, value: value, lease: lease.map(Int64Text.init)))
    }

    /// Deletes `key`; nothing when it is absent.
    func delete(_ key: Data) async throws {
        let _: DeleteRangeResponse = try await call("/v3/kv/deleterange", DeleteRangeRequest(key: key))
    }

    /// Runs a transaction: `success` when every comparison holds, else `failure`.
    func txn(compare: [Compare], success: [RequestOp], failure: [RequestOp]) async throws -> TxnResponse {
        try await call("/v3/kv/txn", TxnRequest(compare: compare, success: success, failure: failure))
    }

    /// A new lease of `ttl` seconds (etcd may grant more); its ID.
    func grant(ttl: Int64) async throws -> Int64 {
        let answer: LeaseGrantResponse = try await call(
            "/v3/lease/grant", LeaseGrantRequest(ttl: Int64Text(ttl)))
        if let error = answer.error, !error.isEmpty {
            throw LeaseBackendError("etcd refused a lease of \(ttl) s: \(error)")
        }
        guard let id = answer.id?.value, id != 0 else {
            throw LeaseBackendError("etcd granted a lease without an ID")
        }
        return id
    }

    /// Renews `lease` once: the seconds it has left, 0 when it has ended (expired or revoked).
    func keepAlive(_ lease: Int64) async throws -> Int64 {
        let answer: StreamMessage<LeaseKeepAliveResponse> = try await call(
            "/v3/lease/keepalive", LeaseKeepAliveRequest(id: Int64Text(lease)), stream: true)
        if let error = answer.error {
            throw LeaseBackendError(
                "etcd refused to renew lease \(lease): \(error.message ?? "code \(error.code ?? 0)")")
        }
        return max(0, answer.result?.ttl?.value ?? 0)
    }

    /// Ends `lease` and deletes its keys. False when etcd knew no such lease (it had expired or was revoked).
    @discardableResult
    func revoke(_ lease: Int64) async throws -> Bool {
        switch try await post("/v3/lease/revoke", LeaseRevokeRequest(id: Int64Text(lease)), as: Empty.self) {
        case .answer: return true
        case .refused(code: Self.notFound, _): return false
        case .refused(let code, let message):
            throw LeaseBackendError("etcd refused /v3/lease/revoke: \(message) (code \(code))")
        }
    }

    /// Returns when `key` is deleted after revision `revision`; throws when the watch cannot be made or its stream
    /// ends before that (the caller then polls). Cancelling the calling task ends the watch and its connection.
    func watchUntilDeleted(_ key: Data, after revision: Int64) async throws {
        let body = try JSONEncoder().encode(
            WatchRequest(createRequest: .init(key: key, startRevision: Int64Text(revision + 1))))
        let response = try await firstAnswering("/v3/watch", body)
        guard response.status == .ok else {
            throw LeaseBackendError("etcd answered /v3/watch with HTTP \(response.status.code)")
        }
        var pending = Data()
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { continue }
                let message: StreamMessage<WatchResponse>
                do {
                    message = try JSONDecoder().decode(StreamMessage<WatchResponse>.self, from: line)
                } catch {
                    throw LeaseBackendError("etcd's watch sent a message that is not JSON: \(error)")
                }
                if let error = message.error {
                    throw LeaseBackendError("etcd ended the watch: \(error.message ?? "code \(error.code ?? 0)")")
                }
                guard let result = message.result else { continue }
                if result.events?.contains(where: { $0.type == "DELETE" && $0.kv?.key == key }) == true { return }
                if result.canceled == true {
                    throw LeaseBackendError("etcd cancelled the watch: \(result.cancelReason ?? "no reason given")")
                }
            }
            if pending.count > Self.maximumAnswer {
                throw LeaseBackendError("etcd's watch sent a line of more than \(Self.maximumAnswer) bytes")
            }
        }
        throw LeaseBackendError("etcd's watch ended before the key was deleted")
    }

    /// The end of the range of every key that starts with `prefix`: the prefix with its last byte below 0xff
    /// incremented and what follows dropped (etcd's `clientv3.GetPrefixRangeEnd`); a single 0 byte (every key)
    /// when there is no such byte.
    static func rangeEnd(ofPrefix prefix: Data) -> Data {
        var end = [UInt8](prefix)
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return Data(end)
            }
            end.removeLast()
        }
        return Data([0])
    }

    // MARK: Requests

    /// gRPC's NotFound, as etcd's gateway reports it (a lease it does not know).
    private static let notFound = 5
    /// gRPC's Unavailable (a member without a leader, one shutting down): the next endpoint may do better.
    private static let unavailable = 14

    /// What one endpoint said to a call: the decoded answer, or etcd's refusal with its gRPC code.
    private enum Outcome<Answer> {
        case answer(Answer)
        case refused(code: Int, message: String)
    }

    /// Calls `path` and decodes its answer; a refusal becomes a `LeaseBackendError`.
    private func call<Request: Encodable, Answer: Decodable>(
        _ path: String, _ request: Request, stream: Bool = false
    ) async throws -> Answer {
        switch try await post(path, request, as: Answer.self, stream: stream) {
        case .answer(let answer): return answer
        case .refused(let code, let message):
            throw LeaseBackendError("etcd refused \(path): \(message) (code \(code))")
        }
    }

    /// Posts `request` to `path` on the first endpoint that answers, and decodes what it says. `stream`: the
    /// answer is a stream's first message (`{"result": ...}` on a line of its own).
    private func post<Request: Encodable, Answer: Decodable>(
        _ path: String, _ request: Request, as: Answer.Type, stream: Bool = false
    ) async throws -> Outcome<Answer> {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw LeaseBackendError("cannot encode the request for etcd's \(path): \(error)")
        }
        let (status, answer) = try await exchange(path, body)
        guard status == 200 else {
            let refusal = try? JSONDecoder().decode(Status.self, from: answer)
            return .refused(
                code: refusal?.code ?? -1,
                message: refusal?.message ?? refusal?.error ?? "HTTP \(status): \(Self.excerpt(answer))")
        }
        var json = answer
        if stream, let newline = answer.firstIndex(of: UInt8(ascii: "\n")) {
            json = Data(answer[answer.startIndex..<newline])
        }
        do {
            return .answer(try JSONDecoder().decode(Answer.self, from: json))
        } catch {
            throw LeaseBackendError(
                "etcd's answer to \(path) is not what was expected (\(error)): \(Self.excerpt(answer))")
        }
    }

    /// Posts `body` to `path`, trying the endpoints in turn from the one that answered last, each for at most
    /// `timeout` (the answer's body included): the status and body of the first that answers other than
    /// Unavailable.
    private func exchange(_ path: String, _ body: Data) async throws -> (status: UInt, body: Data) {
        var failures: [String] = []
        for index in endpointOrder() {
            try checkCancellation(path)
            let endpoint = endpoints[index]
            let request = Self.request(endpoint + path, body)
            let http = self.http
            let timeout = self.timeout
            do {
                let (status, answer) = try await withDeadline(timeout) {
                    let response = try await http.execute(request, timeout: timeout.timeAmount)
                    let answer = try await response.body.collect(upTo: Self.maximumAnswer)
                    return (response.status.code, Data(buffer: answer))
                }
                if status == 503, (try? JSONDecoder().decode(Status.self, from: answer))?.code == Self.unavailable {
                    failures.append("\(endpoint): unavailable (\(Self.excerpt(answer)))")
                    continue
                }
                preferred.withLock { $0 = index }
                return (status, answer)
            } catch is DeadlineExceeded {
                failures.append("\(endpoint): no answer within \(timeout)")
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        try checkCancellation(path)
        throw LeaseBackendError("etcd unreachable for \(path): " + failures.joined(separator: "; "))
    }

    /// Sends `body` to `path` on the first endpoint that answers and returns as soon as the answer's head has
    /// come (within `timeout`), its body still to be read: for a stream.
    private func firstAnswering(_ path: String, _ body: Data) async throws -> HTTPClientResponse {
        var failures: [String] = []
        for index in endpointOrder() {
            try checkCancellation(path)
            let endpoint = endpoints[index]
            do {
                let response = try await http.execute(
                    Self.request(endpoint + path, body), timeout: timeout.timeAmount)
                preferred.withLock { $0 = index }
                return response
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        try checkCancellation(path)
        throw LeaseBackendError("etcd unreachable for \(path): " + failures.joined(separator: "; "))
    }

    /// The endpoints' indices, the one that answered last first.
    private func endpointOrder() -> [Int] {
        let first = preferred.withLock { $0 }
        return endpoints.indices.map { (first + $0) % endpoints.count }
    }

    private func checkCancellation(_ path: String) throws {
        if Task.isCancelled { throw LeaseBackendError("\(path) to etcd cancelled") }
    }

    private static func request(_ url: String, _ body: Data) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: body))
        return request
    }

    /// The start of an answer, for an error message.
    private static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(300), as: UTF8.self)
        return data.count > 300 ? text + "…" : text
    }
}

/// A request that took longer than its deadline.
private struct DeadlineExceeded: Error {}

/// The value of `body`, or `DeadlineExceeded` when it has not come within `timeout` (`body` is then cancelled).
private func withDeadline<T: Sendable>(
    _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

extension Duration {
    /// The duration in NIO's unit.
    fileprivate var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

// MARK: Messages

/// A 64-bit integer as the gateway writes it: a JSON string (a number is accepted too).
struct Int64Text: Codable, Sendable, Hashable {
    var value: Int64

    init(_ value: Int64) {
        self.value = value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        guard let number = Int64(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 64-bit integer: \(text)")
        }
        value = number
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }
}

/// An error answer: `{"error": ..., "message": ..., "code": n}` (a stream's error is inside `{"error": ...}`).
struct Status: Decodable, Sendable {
    var error: String?
    var message: String?
    var code: Int?
}

/// An answer whose content is not used.
struct Empty: Decodable, Sendable {}

/// One message of a streaming answer.
struct StreamMessage<Result: Decodable & Sendable>: Decodable, Sendable {
    var result: Result?
    var error: Status?
}

struct ResponseHeader: Decodable, Sendable {
    var revision: Int64Text
}

/// A key's value and its history (`mvccpb.KeyValue`).
struct KeyValue: Decodable, Sendable {
    var key: Data
    var createRevision: Int64Text?
    var modRevision: Int64Text?
    var value: Data?
    var lease: Int64Text?

    enum CodingKeys: String, CodingKey {
        case key, value, lease
        case createRevision = "create_revision"
        case modRevision = "mod_revision"
    }
}

struct RangeRequest: Encodable, Sendable {
    var key: Data
    var rangeEnd: Data?

    enum CodingKeys: String, CodingKey {
        case key
        case rangeEnd = "range_end"
    }
}

struct RangeResponse: Decodable, Sendable {
    var header: ResponseHeader
    var kvs: [KeyValue]?
}

struct PutRequest: Encodable, Sendable {
    var key: Data
    var value: Data
    var lease: Int64Text?
}

struct PutResponse: Decodable, Sendable {
    var header: ResponseHeader
}

struct DeleteRangeRequest: Encodable, Sendable {
    var key: Data
}

struct DeleteRangeResponse: Decodable, Sendable {
    var header: ResponseHeader
}

/// One comparison of a transaction; only "the key's creation revision equals n" is needed (0: the key is absent).
struct Compare: Encodable, Sendable {
    var key: Data
    var target = "CREATE"
    var result = "EQUAL"
    var createRevision: Int64Text

    enum CodingKeys: String, CodingKey {
        case key, target, result
        case createRevision = "create_revision"
    }

    /// The comparison "`key` does not exist".
    static func absent(_ key: Data) -> Compare {
        Compare(key: key, createRevision: Int64Text(0))
    }
}

/// One operation of a transaction.
struct RequestOp: Encodable, Sendable {
    var requestPut: PutRequest?
    var requestRange: RangeRequest?

    enum CodingKeys: String, CodingKey {
        case requestPut = "request_put"
        case requestRange = "request_range"
    }

    static func put(_ key: Data, _ value: Data, lease: Int64?) -> RequestOp {
        RequestOp(requestPut: PutRequest(key: key, value: value, lease: lease.map(Int64Text.init)))
    }

    static func range(_ key: Data) -> RequestOp {
        RequestOp(requestRange: RangeRequest(key: key))
    }
}

struct TxnRequest: Encodable, Sendable {
    var compare: [Compare]
    var success: [RequestOp]
    var failure: [RequestOp]
}

struct TxnResponse: Decodable, Sendable {
    var header: ResponseHeader
    /// Left out of the JSON when false.
    var succeeded: Bool?
    var responses: [ResponseOp]?

    struct ResponseOp: Decodable, Sendable {
        var responseRange: RangeResponse?

        enum CodingKeys: String, CodingKey {
            case responseRange = "response_range"
        }
    }
}

struct LeaseGrantRequest: Encodable, Sendable {
    var ttl: Int64Text

    enum CodingKeys: String, CodingKey {
        case ttl = "TTL"
    }
}

struct LeaseGrantResponse: Decodable, Sendable {
    var id: Int64Text?
    var ttl: Int64Text?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
        case error
    }
}

struct LeaseKeepAliveRequest: Encodable, Sendable {
    var id: Int64Text

    enum CodingKeys: String, CodingKey {
        case id = "ID"
    }
}

struct LeaseKeepAliveResponse: Decodable, Sendable {
    var id: Int64Text?
    /// Left out (0) when the lease has ended.
    var ttl: Int64Text?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
    }
}

struct LeaseRevokeRequest: Encodable, Sendable {
    var id: Int64Text

    enum CodingKeys: String, CodingKey {
        case id = "ID"
    }
}

struct WatchRequest: Encodable, Sendable {
    var createRequest: Create

    struct Create: Encodable, Sendable {
        var key: Data
        var startRevision: Int64Text

        enum CodingKeys: String, CodingKey {
            case key
            case startRevision = "start_revision"
        }
    }

    enum CodingKeys: String, CodingKey {
        case createRequest = "create_request"
    }
}

struct WatchResponse: Decodable, Sendable {
    var created: Bool?
    var canceled: Bool?
    var cancelReason: String?
    var events: [Event]?

    /// A change of a watched key; `type` is left out for a PUT.
    struct Event: Decodable, Sendable {
        var type: String?
        var kv: KeyValue?
    }

    enum CodingKeys: String, CodingKey {
        case created, canceled, events
        case cancelReason = "cancel_reason"
    }
}
