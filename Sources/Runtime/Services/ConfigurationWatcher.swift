import Foundation
import GraceDSL
import ServiceLifecycle

/// Reloads when a YAML file under the configuration's directories is written, created, moved or deleted
/// (inotify, debounced): the component form of `DirectoryWatcher`.
public struct ConfigurationWatcher: Component {
    public let directories: [String]
    let reloader: ConfigurationReloader

    public init(directories: [String], reloader: ConfigurationReloader) {
        self.directories = directories
        self.reloader = reloader
    }

    public var name: String { "watcher" }

    public func run() async throws {
        let reloader = reloader
        let watcher = DirectoryWatcher(directories: directories) {
            Task { await reloader.reload(reason: "file changed") }
        }
        guard watcher != nil else { return }  // nothing to watch: idle
        try? await gracefulShutdown()
        watcher?.stop()
    }

    public func heartbeat() async -> Bool { true }
}
