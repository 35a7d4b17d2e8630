import Glibc

/// Why a probe's socket work failed, already phrased as the reason of an unhealthy result.
struct ProbeFailure: Error, Sendable, Equatable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    /// "connection refused", "host unreachable", ...: strerror(3), lower-cased, for the errno of a call.
    static func errno(_ code: Int32) -> ProbeFailure {
        var text = String(cString: strerror(code))
        if let first = text.first, first.isUppercase, text.dropFirst().first?.isUppercase != true {
            text = first.lowercased() + text.dropFirst()
        }
        return ProbeFailure(text)
    }
}
