import Foundation
import GraceDSL
import ServiceLifecycle

/// Reloads when a YAML file under the configuration's directories is written, created, moved or deleted
/// (inotify, debounced): the component form of `DirectoryWatcher`.
public struct ConfigurationWatcher: Component {
    /// The directories watched, subdirectories included: the configuration's `include` directories.
    public let directories: [String]
    let reloader: ConfigurationReloader

    /// A watcher that reloads through `reloader`.
    public init(directories: [String], reloader: ConfigurationReloader) {
        self.directories = directories
        self.reloader = reloader
    }

    /// `watcher`, as the registry and `GET /v1/components` list it.
    public var name: String { "watcher" }

    /// Watches until graceful shutdown; idle when inotify is unavailable or none of the directories can be watched.
    public func run() async throws {
        let reloader = reloader
        let watcher = DirectoryWatcher(directories: directories) {
            Task { await reloader.reload(reason: "file changed") }
        }
        guard watcher != nil else { return }  // nothing to watch: idle
        try? await gracefulShutdown()
        watcher?.stop()
    }

    /// Always true: inotify runs on its own thread, which this does not reach; the beat says the service runs.
    public func heartbeat() async -> Bool { true }
}
