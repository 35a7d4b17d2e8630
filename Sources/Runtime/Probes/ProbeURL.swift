/// The parts of an `http://` URL that a probe's request needs. Parsed by hand: the request line must carry
/// the path and query exactly as written, which URL types tend to normalise.
struct ProbeURL: Sendable, Equatable {
    var scheme: String
    /// Without brackets for an IPv6 literal, ready for getaddrinfo.
    var host: String
    var port: Int
    /// The `Host:` header: the authority as written, less any user info.
    var hostHeader: String
    /// Path and query, `/` when empty.
    var target: String

    /// nil when `text` has no scheme, no host, or a bad port.
    init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        self.target = target
        hostHeader = String(authority)

        let defaultPort = scheme == "https" ? 443 : 80
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { return nil }
        if let portText, !portText.isEmpty {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            port = defaultPort
        }
    }
}
