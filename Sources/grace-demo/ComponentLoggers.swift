import Logging

/// The service's loggers, one per component. Each is labelled `NAME.COMPONENT` (`api.http`), which is what its
/// lines show as their component.
struct ComponentLoggers: Sendable {
    let main: Logger
    let http: Logger
    let data: Logger
    let notify: Logger
    let fault: Logger
    let cache: Logger
    let deps: Logger
    let clock: Logger
    let tls: Logger
    private let name: String

    init(name: String) {
        self.name = name
        main = Self.logger("\(name).main")
        http = Self.logger("\(name).http")
        data = Self.logger("\(name).data")
        notify = Self.logger("\(name).notify")
        fault = Self.logger("\(name).fault")
        cache = Self.logger("\(name).cache")
        deps = Self.logger("\(name).deps")
        clock = Self.logger("\(name).clock")
        tls = Self.logger("\(name).tls")
    }

    /// Logs `line` `count` times as `component`, at `level`: ERROR, FATAL, CRITICAL or WARN (`POST /fault/emit`).
    func emit(_ line: String, count: Int, level: String, component: String) {
        let logger = Self.logger("\(name).\(component)")
        let severity: Logger.Level =
            switch level {
            case "WARN": .warning
            case "ERROR": .error
            default: .critical
            }
        for _ in 0..<count {
            logger.log(level: severity, "\(line)", metadata: [DemoLogHandler.levelWordKey: "\(level)"])
        }
    }

    private static func logger(_ label: String) -> Logger {
        Logger(label: label) { DemoLogHandler(label: $0) }
    }
}
