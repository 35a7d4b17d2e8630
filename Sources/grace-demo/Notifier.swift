import Glibc
import Logging

/// sd_notify over an AF_UNIX datagram socket; a name starting with '@' is in the abstract namespace.
final class Notifier: Sendable {
    /// NOTIFY_SOCKET as given, for log lines.
    let target: String
    private let fd: Int32
    private let address: sockaddr_un
    private let length: socklen_t

    /// Nil, with a WARN line, if the path is unusable or no socket can be made.
    init?(socketPath: String, log: Logger) {
        var bytes = Array(socketPath.utf8)
        var address = sockaddr_un()
        let abstract = bytes.first == UInt8(ascii: "@")
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard abstract || bytes.first == UInt8(ascii: "/"),
            bytes.count < capacity || (abstract && bytes.count == capacity)
        else {
            log.warning("ignoring NOTIFY_SOCKET \(socketPath): not an absolute path or @abstract name that fits")
            return nil
        }
        if abstract { bytes[0] = 0 }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? MemoryLayout<sa_family_t>.size
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { log.warning("cannot create notify socket: errno \(errno)"); return nil }
        self.address = address
        self.length = socklen_t(pathOffset + bytes.count + (abstract ? 0 : 1))
        self.target = socketPath
    }

    /// Sends one datagram (`READY=1`, `WATCHDOG=1`, ...); false if it did not go out whole.
    @discardableResult
    func send(_ message: String) -> Bool {
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == bytes.count
    }
}
