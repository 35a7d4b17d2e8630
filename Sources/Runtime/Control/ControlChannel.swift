import Foundation
import Glibc

/// A request to a running Grace over its control socket (`<state>/control.sock`), one JSON line each way.
/// `grace reload` and `grace playbook run` use it (no network, no port to mix up); the HTTP API serves the same
/// operations over HTTP.
public struct ControlRequest: Codable, Sendable {
    /// What the request asks for; a request naming anything else is answered "bad request".
    public enum Command: String, Codable, Sendable {
        /// Reload the configuration.
        case reload
        /// Run `playbook` with `arguments` and answer when the run has ended.
        case run
        /// One line per kernel.
        case status
        /// Answer at once (is Grace there?), with its pid and reexec generation in the details.
        case ping
        /// Re-execute Grace in place (`grace reexec`), with `executable` when given.
        case reexec
    }

    /// What to do; `playbook` and `arguments` matter only for `run`.
    public var command: Command
    /// The playbook of a `run`.
    public var playbook: String?
    /// The arguments of a `run`.
    public var arguments: [String: String]?
    /// The executable of a `reexec` (the upgrade path); nil runs the same image again.
    public var executable: String?

    /// Makes a request; a `run` needs `playbook`, and its missing arguments take their defaults.
    public init(
        command: Command, playbook: String? = nil, arguments: [String: String]? = nil, executable: String? = nil
    ) {
        self.command = command
        self.playbook = playbook
        self.arguments = arguments
        self.executable = executable
    }
}

/// What Grace answers on the control socket: whether it worked, a line for the user, and details.
public struct ControlResponse: Codable, Sendable {
    /// False when the request failed: a refused reload, a failed run, a malformed request.
    public var ok: Bool
    /// One line for the user (`reloaded in 12.3 ms`, `playbook x failed`).
    public var message: String
    /// Further lines: what a reload did or its errors, a run's id and error, one line per kernel for `status`.
    public var details: [String]

    /// Makes a response from its parts.
    public init(ok: Bool, message: String, details: [String] = []) {
        self.ok = ok
        self.message = message
        self.details = details
    }
}

/// Why a control request got no answer (as opposed to an answer with `ok` false).
public enum ControlChannelError: Error, CustomStringConvertible {
    /// Nothing listens on the socket at this path (or the path is too long for a Unix socket).
    case notRunning(String)
    /// Connecting worked but the exchange did not, or a configuration loader failed; the text says why.
    case failed(String)

    /// A line for the user; `notRunning` tells them to start Grace.
    public var description: String {
        switch self {
        case .notRunning(let path): "Grace is not running (no control socket at \(path)); start it with `grace run`"
        case .failed(let why): why
        }
    }
}

/// Serves control requests on a Unix socket, one connection at a time on a dedicated thread (requests are
/// rare and short). The socket is 0600: only Grace's user may steer it.
final class ControlServer: @unchecked Sendable {
    // @unchecked: the fd is set once in init; the handler is Sendable.
    private let fd: Int32
    let path: String
    private let handler: @Sendable (ControlRequest) async -> ControlResponse

    init(path: String, handler: @escaping @Sendable (ControlRequest) async -> ControlResponse) throws {
        self.path = path
        self.handler = handler
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ControlChannelError.failed("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw ControlChannelError.failed("control socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ControlChannelError.failed("cannot listen on \(path): \(why)")
        }
        chmod(path, 0o600)
        let thread = Thread { [self] in
            IOReactor.nameCurrentThread("grace-control")
            self.acceptLoop()
        }
        thread.start()
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let line = ControlWire.readLine(client)
            let response: ControlResponse
            if let line, let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line.utf8)) {
                let semaphore = DispatchSemaphore(value: 0)
                let box = ResponseBox()
                let handler = self.handler
                Task {
                    box.response = await handler(request)
                    semaphore.signal()
                }
                semaphore.wait()
                response = box.response ?? ControlResponse(ok: false, message: "no response")
            } else {
                response = ControlResponse(ok: false, message: "bad request: expected one JSON line")
            }
            ControlWire.write(response, to: client)
            Glibc.close(client)
        }
    }
}

private final class ResponseBox: @unchecked Sendable {
    // Written by one task before the semaphore is signalled, read after the wait.
    var response: ControlResponse?
}

/// Client side: sends one request to the running Grace and waits for its answer.
public enum ControlClient {
    /// Sends `request` to the Grace listening at `path` and returns its answer. Blocks the calling thread until the
    /// answer comes (a `run` answers when the run has ended); throws `ControlChannelError`.
    public static func send(_ request: ControlRequest, socket path: String) throws -> ControlResponse {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ControlChannelError.failed("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlChannelError.notRunning(path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw ControlChannelError.notRunning(path) }
        let data = try JSONEncoder().encode(request) + Data("\n".utf8)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard let line = ControlWire.readLine(fd),
            let response = try? JSONDecoder().decode(ControlResponse.self, from: Data(line.utf8))
        else { throw ControlChannelError.failed("no answer from Grace") }
        return response
    }
}

enum ControlWire {
    /// Reads up to a newline (1 MiB at most).
    static func readLine(_ fd: Int32) -> String? {
        var data = [UInt8]()
        var byte: UInt8 = 0
        while data.count < 1 << 20 {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { break }
            if byte == UInt8(ascii: "\n") { return String(decoding: data, as: UTF8.self) }
            data.append(byte)
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }

    static func write(_ response: ControlResponse, to fd: Int32) {
        guard let data = try? JSONEncoder().encode(response) else { return }
        let line = data + Data("\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}
