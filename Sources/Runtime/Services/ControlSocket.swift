import ServiceLifecycle

/// The control socket (`<state_dir>/control.sock`) as a component: listens from start to graceful shutdown.
public struct ControlSocket: Component {
    public let path: String
    let handler: ControlHandler

    public init(path: String, handler: ControlHandler) {
        self.path = path
        self.handler = handler
    }

    public var name: String { "control" }

    public func run() async throws {
        let handler = handler
        let server = try ControlServer(path: path) { await handler.handle($0) }
        try? await gracefulShutdown()
        server.close()
    }

    /// The server answers on a thread of its own, one request at a time; a request may run a playbook for
    /// minutes, so a ping through the socket would read as silence. The beat says the service is up.
    public func heartbeat() async -> Bool { true }
}
