import Foundation
import Hummingbird

/// A request's query, percent-decoded, with the checks every endpoint applies: a parameter given twice is a 400,
/// empty counts as absent, numbers are range-checked.
struct QueryParameters: Sendable {
    let pairs: [(name: String, value: String)]

    /// A malformed percent-escape is a 400.
    init(_ request: Request) throws(APIError) {
        var pairs: [(String, String)] = []
        for part in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = String(kv[0]).replacingOccurrences(of: "+", with: " ")
            let rawValue = kv.count > 1 ? String(kv[1]).replacingOccurrences(of: "+", with: " ") : ""
            guard let name = rawName.removingPercentEncoding, let value = rawValue.removingPercentEncoding else {
                throw .badRequest("the query has a malformed percent-escape: \(part.prefix(80))")
            }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    func value(_ name: String) throws(APIError) -> String? {
        let all = values(name)
        guard all.count <= 1 else { throw .badRequest("`\(name)` is given \(all.count) times; give it once") }
        return all.first.flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = try value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest(
                "`\(name)` must be an integer from \(range.lowerBound) to \(range.upperBound), not `\(text.prefix(40))`"
            )
        }
        return number
    }

    /// A journal id (`after`): a non-negative integer.
    func journalID(_ name: String) throws(APIError) -> Int64? {
        guard let text = try value(name) else { return nil }
        guard let number = Int64(text), number >= 0 else {
            throw .badRequest("`\(name)` must be a journal id (an integer of at least 0), not `\(text.prefix(40))`")
        }
        return number
    }
}

extension APIRequestContext {
    /// A path parameter, percent-decoded (a malformed escape is a 400).
    func parameter(_ name: String) throws(APIError) -> String {
        guard let raw = parameters.get(name) else { throw .notFound("no `\(name)` in the path") }
        guard let decoded = raw.removingPercentEncoding else {
            throw .badRequest("the path has a malformed percent-escape: \(raw.prefix(80))")
        }
        return decoded
    }
}
