import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChaosCommand {
    /// `grace chaos delay-proxy`: what a `delay` drill puts in front of a kernel's port. It listens on a free port of
    /// 127.0.0.1 (printed as `listening PORT`), and for each connection nftables redirects to it, waits `by`, opens
    /// its own connection to the kernel's port (marked, so that the redirect lets it by), and passes data both ways,
    /// holding each read `by` before writing it on.
    ///
    /// Blocking sockets and a thread per direction, not SwiftNIO: the proxy carries a drill's few probe and client
    /// connections for seconds, and a sleep per read is the whole of its logic.
    struct DelayProxy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delay-proxy", abstract: "Delay a kernel's connections (used by delay drills).",
            shouldDisplay: false)

        @Option(help: "The kernel's port on 127.0.0.1.") var to: Int
        @Option(help: "Milliseconds each read is held, each way, and a connection's start.") var byMs: Int
        @Option(help: "The SO_MARK of the proxy's own connections to the kernel.") var mark: Int

        func run() throws {
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard server >= 0 else { throw CLIError.io("socket: errno \(errno)") }
            var one: Int32 = 1
            _ = setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = Self.loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(server, 128) == 0 else { throw CLIError.io("bind/listen: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
            }
            FileHandle.standardOutput.write(Data("listening \(UInt16(bigEndian: address.sin_port))\n".utf8))
            let (to, delay, mark) = (to, UInt32(max(0, byMs)) * 1000, Int32(mark))
            while true {
                let client = accept(server, nil, nil)
                guard client >= 0 else {
                    if errno == EINTR { continue }
                    throw CLIError.io("accept: errno \(errno)")
                }
                Thread.detachNewThread { Self.carry(client, to: to, delay: delay, mark: mark) }
            }
        }

        static func loopback(port: Int) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return address
        }

        /// One connection: the delayed start, then both directions until either side closes.
        static func carry(_ client: Int32, to port: Int, delay: UInt32, mark: Int32) {
            usleep(delay)
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var mark = mark
            var address = loopback(port: port)
            let connected =
                upstream >= 0
                && setsockopt(upstream, SOL_SOCKET, SO_MARK, &mark, socklen_t(MemoryLayout<Int32>.size)) == 0
                && withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                } == 0
            guard connected else {
                // The kernel refuses (it is down): so does the proxy, as the kernel's port would have.
                if upstream >= 0 { close(upstream) }
                close(client)
                return
            }
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                pump(from: upstream, to: client, delay: delay)
                done.signal()
            }
            pump(from: client, to: upstream, delay: delay)
            done.wait()
            close(client)
            close(upstream)
        }

        /// Copies one direction, holding each read `delay` microseconds; at its end, the other side is told.
        static func pump(from source: Int32, to sink: Int32, delay: UInt32) {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                usleep(delay)
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes { bytes -> Int in
                        guard let base = bytes.baseAddress else { return -1 }
                        return send(sink, base + sent, n - sent, Int32(MSG_NOSIGNAL))
                    }
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else {
                        shutdown(source, Int32(SHUT_RD))
                        return
                    }
                    sent += w
                }
            }
            shutdown(sink, Int32(SHUT_WR))
        }
    }
}
