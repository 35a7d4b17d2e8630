import Glibc
import Logging
import Synchronization

/// Writes swift-log records to stdout in the format the kernels' `logs.format` declares,
/// `<Date> <Time> <Level> <Component>: <Content>`:
///
///     2026-11-26 10:12:01,123 INFO api.http: listening on 127.0.0.1:8081
///
/// Grace's log parser mines these lines, so they must not change: local time to the millisecond, the level as
/// one word (`WARN` for `warning`, `FATAL` for `critical`), the logger's label as the component, and no metadata.
/// swift-log's `StreamLogHandler` prints another format (ISO 8601 time, `[level]` after the label, metadata).
struct DemoLogHandler: LogHandler {
    /// Metadata that overrides the printed level word: `POST /fault/emit?level=CRITICAL` must print `CRITICAL`,
    /// which swift-log's levels cannot tell from `FATAL`.
    static let levelWordKey = "level-word"
    /// Whole lines on stdout, whatever the thread: a long line may take more than one write(2).
    private static let outputLock = Mutex(())
    /// Lines below this level are not written (`POST /log-level`), as an index into `Logger.Level.allCases`: INFO
    /// at start.
    static let minimumLevel = Atomic<Int>(Logger.Level.allCases.firstIndex(of: .info) ?? 0)

    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard Logger.Level.allCases.firstIndex(of: event.level) ?? 0 >= Self.minimumLevel.load(ordering: .relaxed)
        else { return }
        let level = event.metadata?[Self.levelWordKey].map { "\($0)" } ?? Self.word(for: event.level)
        let line = "\(Self.timestamp()) \(level) \(label): \(event.message)\n"
        Self.outputLock.withLock { _ in _ = writeAll(STDOUT_FILENO, Array(line.utf8)) }
    }

    /// The level as the kernels' log lines spell it.
    static func word(for level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }

    /// The lowest level written now.
    static var minimum: Logger.Level {
        let all = Logger.Level.allCases
        return all[min(max(minimumLevel.load(ordering: .relaxed), 0), all.count - 1)]
    }

    /// Writes only lines at `level` and above from now on.
    static func setMinimum(_ level: Logger.Level) {
        minimumLevel.store(Logger.Level.allCases.firstIndex(of: level) ?? 0, ordering: .relaxed)
    }

    /// The process's wall-clock time (``WallClock``), local, as `2026-11-26 10:12:01,123`.
    static func timestamp() -> String {
        let now = WallClock.now()
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        let date = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(date),\(String(format: "%03d", Int(now.tv_nsec / 1_000_000)))"
    }
}
