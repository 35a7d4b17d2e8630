import Synchronization

/// The API's paths and the methods each takes, recorded as routes are added, so that a request for a known path
/// with another method is answered 405 with `Allow` (Hummingbird's router answers 404 for both).
final class RouteTable: Sendable {
    private let routes = Mutex<[(pattern: [Substring], method: String)]>([])

    func add(_ path: String, method: String) {
        let pattern = path.split(separator: "/")
        routes.withLock { $0.append((pattern, method)) }
    }

    /// The methods of the routes whose pattern matches `path` (`:name` matches any one segment), sorted.
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/")
        let all = routes.withLock { $0 }
        var methods: Set<String> = []
        for route in all where route.pattern.count == segments.count {
            let matches = zip(route.pattern, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix(":") || pattern == segment
            }
            if matches { methods.insert(route.method) }
        }
        return methods.sorted()
    }
}
