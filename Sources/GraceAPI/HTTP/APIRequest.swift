import Foundation
import HTTPTypes

/// A request as the handlers see it: method, percent-decoded path segments, decoded query pairs, headers
/// and the body (already bounded by the body limit).
public struct APIRequest: Sendable {
    public var method: HTTPRequest.Method
    public var segments: [String]
    public var query: [(name: String, value: String)]
    public var headers: HTTPFields
    public var body: Data
    public var client: String

    /// Splits and percent-decodes a raw path and query; a malformed escape is a 400.
    public static func parse(path: String, query: String?) throws(APIError) -> (
        segments: [String], query: [(String, String)]
    ) {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = String(raw).removingPercentEncoding else {
                throw .badRequest("the path has a malformed percent-escape: \(raw.prefix(80))")
            }
            segments.append(decoded)
        }
        var pairs: [(String, String)] = []
        for part in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = String(kv[0]).replacingOccurrences(of: "+", with: " ")
            let rawValue = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: " ") : ""
            guard let name = rawName.removingPercentEncoding, let value = rawValue.removingPercentEncoding else {
                throw .badRequest("the query has a malformed percent-escape: \(part.prefix(80))")
            }
            pairs.append((name, value))
        }
        return (segments, pairs)
    }

    public func values(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    /// The single value of a query parameter; given twice is a 400, empty counts as absent.
    public func value(_ name: String) throws(APIError) -> String? {
        let all = values(name)
        guard all.count <= 1 else { throw .badRequest("`\(name)` is given \(all.count) times; give it once") }
        return all.first.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An integer query parameter within `range`, or `defaultValue` when absent.
    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = try value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest(
                "`\(name)` must be an integer from \(range.lowerBound) to \(range.upperBound), not `\(text.prefix(40))`"
            )
        }
        return number
    }

    /// A journal id (`after`): a non-negative integer.
    public func journalID(_ name: String) throws(APIError) -> Int64? {
        guard let text = try value(name) else { return nil }
        guard let number = Int64(text), number >= 0 else {
            throw .badRequest("`\(name)` must be a journal id (an integer of at least 0), not `\(text.prefix(40))`")
        }
        return number
    }

    /// The body as a JSON object; a missing, non-JSON or non-object body is a 400 saying which.
    public func jsonObject() throws(APIError) -> [String: Any] {
        guard !body.isEmpty else { throw .badRequest("the request needs a JSON object body") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [])
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        return object
    }

    /// Accepts an empty body or a JSON object with no members other than `allowed`.
    public func optionalJSONObject(allowed: Set<String>) throws(APIError) -> [String: Any] {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return [:] }
        let object = try jsonObject()
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown member `\(unknown.prefix(60))` in the body")
        }
        return object
    }
}
