import Glibc

/// The sending end of the systemd notify protocol, for Grace's own messages to its service manager: one datagram of
/// newline-separated `KEY=VALUE` lines per message to the socket `NOTIFY_SOCKET` names, as `sd_notify(3)` sends
/// them, with a plain AF_UNIX datagram socket (no libsystemd). The address is a file system path, or a name in the
/// abstract namespace when it starts with `@`. Each message opens, sends on and closes a socket of its own, as
/// libsystemd does: messages are rare (a watchdog ping every few seconds) and no descriptor is held meanwhile.
public struct NotifySender: Sendable {
    /// The socket's address, as `NOTIFY_SOCKET` gives it.
    public let path: String

    /// A sender to `path`; throws when it cannot be an AF_UNIX address (empty, or longer than 107 bytes).
    public init(path: String) throws(NotifySocketError) {
        guard !path.isEmpty, path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw .pathTooLong(path: path)
        }
        self.path = path
    }

    /// Sends `message` (for example `"READY=1\nSTATUS=supervising 5 kernels"`) as one datagram, without waiting for
    /// a reader: a full or absent socket is an error, never a hang.
    public func send(_ message: String) throws(NotifySocketError) {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno, path: path) }
        defer { _ = close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
            // `@name` is the abstract name `\0name`: its length is exact, with no terminating NUL.
            if bytes.first == UInt8(ascii: "@") { raw[0] = 0 }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(pathOffset + bytes.count + (bytes.first == UInt8(ascii: "@") ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = payload.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, length)
                }
            }
        }
        guard sent == payload.count else {
            throw .system(call: "sendto", errno: sent < 0 ? errno : EMSGSIZE, path: path)
        }
    }
}
