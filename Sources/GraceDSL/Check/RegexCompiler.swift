import Foundation

/// Compiles regexes with ICU (`NSRegularExpression`), the engine Grace's runtime matches with; caches by pattern
/// because large configurations repeat the same masks many times.
final class RegexCompiler {
    private var cache: [String: Result<NSRegularExpression, NSError>] = [:]

    func compile(_ pattern: String) -> Result<NSRegularExpression, NSError> {
        if let hit = cache[pattern] { return hit }
        let result: Result<NSRegularExpression, NSError>
        do {
            result = .success(try NSRegularExpression(pattern: pattern))
        } catch {
            result = .failure(error as NSError)
        }
        cache[pattern] = result
        return result
    }

    /// A readable reason for a pattern ICU refused.
    static func reason(_ error: NSError) -> String {
        if let detail = error.userInfo["NSInvalidValue"] as? String { return "ICU rejected `\(detail)`" }
        return "ICU could not compile it"
    }
}
