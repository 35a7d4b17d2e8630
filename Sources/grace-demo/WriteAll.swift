import Glibc

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR. SIGPIPE is ignored, so a gone peer is EPIPE.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { raw in
            raw.baseAddress.map { write(fd, $0 + offset, raw.count - offset) } ?? -1
        }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
    }
    return true
}
