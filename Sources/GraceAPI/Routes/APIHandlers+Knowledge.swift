import Foundation
import Interpreter
import Runtime

extension APIHandlers {
    func knowledge(_ request: APIRequest) throws -> APIReply {
        let limit = try request.integer("limit", default: 50, in: 1...1000)
        let signatures = try storeCall("reading the knowledge base") { try store.knownSignatures(limit: limit) }
        return .json(.ok, .object([("signatures", .array(signatures.map(Self.signatureJSON)))]))
    }

    func signature(_ key: String) throws -> APIReply {
        guard let signature = try storeCall("reading the knowledge base", { try store.knownSignature(key) }) else {
            throw APIError.notFound("no signature `\(key.prefix(100))` (an id, a unique id prefix or a declared name)")
        }
        return .json(.ok, Self.signatureJSON(signature))
    }

    static func signatureJSON(_ s: KnownSignature) -> JSON {
        .object([
            ("id", .string(s.id)),
            ("template", .string(s.template)),
            ("severity", .string(s.severity.rawValue)),
            ("declared", .optional(s.declared)),
            ("example", .optional(s.example)),
            ("first_seen", .time(s.firstSeen)),
            ("last_seen", .time(s.lastSeen)),
            ("count", .int(s.count)),
            ("kernels", .object(s.kernels.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            (
                "bindings",
                .array(
                    s.bindings.map { b in
                        .object([
                            ("playbook", .string(b.playbook)),
                            ("successes", .int(b.successes)),
                            ("failures", .int(b.failures)),
                            ("declared", .bool(b.declared)),
                            ("expected_success", .double((b.expectedSuccess * 1000).rounded() / 1000)),
                        ])
                    })
            ),
        ])
    }
}
