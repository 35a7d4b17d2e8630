import ServiceLifecycle

/// The control socket (`<state_dir>/control.sock`) as a component: listens from start to graceful shutdown.
public struct ControlSocket: Component {
    /// The socket's path, `<state_dir>/control.sock`.
    public let path: String
    let handler: ControlHandler

    /// A control socket at `path` answering through `handler`; nothing listens until `run`.
    public init(path: String, handler: ControlHandler) {
        self.path = path
        self.handler = handler
    }

    /// `control`, as the registry and `GET /v1/components` list it.
    public var name: String { "control" }

    /// Listens until graceful shutdown, then closes the socket; throws when the socket cannot be made.
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
