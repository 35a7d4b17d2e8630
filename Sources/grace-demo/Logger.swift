import Foundation
import Glibc

/// Log lines in the format the kernels declare: `2026-11-26 10:12:01,123 INFO api.http: ...`.
final class Logger: @unchecked Sendable {
    private let lock = NSLock()
    private let name: String
    init(name: String) { self.name = name }

    func info(_ component: String, _ message: String) { log("INFO", component, message) }
    func warn(_ component: String, _ message: String) { log("WARN", component, message) }
    func error(_ component: String, _ message: String) { log("ERROR", component, message) }
    func fatal(_ component: String, _ message: String) { log("FATAL", component, message) }

    func log(_ level: String, _ component: String, _ message: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        let date = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let line = "\(date),\(String(format: "%03d", Int(now.tv_nsec / 1_000_000))) \(level) \(name).\(component): \(message)\n"
        lock.withLock { _ = writeAll(STDOUT_FILENO, Array(line.utf8)) }
    }
}
