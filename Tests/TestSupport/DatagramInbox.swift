import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// systemd's end: an AF_UNIX datagram socket at a fresh path (or abstract name), read on a thread of its own; every
/// datagram is kept with the time it arrived.
public final class DatagramInbox: Sendable {
    /// What goes into `NOTIFY_SOCKET`.
    public let address: String
    private let fd: Int32
    private let received = Mutex<[(text: String, time: Double)]>([])
    private let closed = Mutex(false)
    private let directory: String?

    /// Binds a socket at a fresh path under /tmp, or at a fresh abstract name (`@...`), and starts reading.
    public init(abstract: Bool = false) throws {
        let tag = String(UUID().uuidString.prefix(8))
        if abstract {
            directory = nil
            address = "@grace-test-notify-\(tag)"
        } else {
            let directory = "/tmp/grace-sd-\(tag)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.directory = directory
            address = directory + "/notify"
        }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(address.utf8)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
            if abstract { raw[0] = 0 }
        }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            _ = Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        let descriptor = fd
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !closed.withLock({ $0 }) {
                let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { continue }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                let time = Date().timeIntervalSinceReferenceDate
                received.withLock { $0.append((text, time)) }
            }
            _ = Glibc.close(descriptor)
        }
        thread.start()
    }

    /// Every datagram so far, in arrival order.
    public var messages: [String] { received.withLock { $0.map(\.text) } }

    /// Arrival times, in seconds, of the datagrams that are exactly `text`.
    public func times(of text: String) -> [Double] { received.withLock { $0.filter { $0.text == text }.map(\.time) } }

    /// Waits (up to `timeout`) until the messages so far satisfy `condition`.
    public func wait(timeout: Duration = .seconds(5), _ condition: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(messages) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(messages)
    }

    /// Stops reading and removes the socket's directory.
    public func close() {
        closed.withLock { $0 = true }
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }
}
