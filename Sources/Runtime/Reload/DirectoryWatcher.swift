import CGraceSystem
import Foundation
import Glibc

/// Watches configuration directories with inotify (no polling) and calls back, debounced, when a YAML file
/// is written, created, moved or deleted. Editors save in bursts (temp file, rename); one callback per burst.
final class DirectoryWatcher: @unchecked Sendable {
    // @unchecked: `fd`, `wake` and the thread are set once in init and only read after; the callback is Sendable.
    private let fd: Int32
    /// Written by `stop()` to end the thread's poll.
    private let wake: Int32
    private let onChange: @Sendable () -> Void
    private let debounce: Duration

    init?(directories: [String], debounce: Duration = .milliseconds(150), onChange: @escaping @Sendable () -> Void) {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        wake = eventfd(0, Int32(EFD_CLOEXEC))
        guard wake >= 0 else {
            close(fd)
            return nil
        }
        self.onChange = onChange
        self.debounce = debounce
        let mask = UInt32(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)
        var watched = 0
        for directory in Self.allDirectories(under: directories) where inotify_add_watch(fd, directory, mask) >= 0 {
            watched += 1
        }
        guard watched > 0 else {
            close(fd)
            close(wake)
            return nil
        }
        let thread = Thread { [self] in
            IOReactor.nameCurrentThread("grace-config-watch")
            self.loop()
        }
        thread.start()
    }

    private static func allDirectories(under roots: [String]) -> [String] {
        var out: [String] = []
        for root in roots {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { continue }
            out.append(root)
            if let walker = FileManager.default.enumerator(atPath: root) {
                for case let sub as String in walker {
                    let full = (root as NSString).appendingPathComponent(sub)
                    if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue {
                        out.append(full)
                    }
                }
            }
        }
        return out
    }

    /// Ends the watch: the thread returns and the descriptors are closed.
    func stop() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    private func loop() {
        defer {
            close(fd)
            close(wake)
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var watched = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            watched[0].revents = 0
            watched[1].revents = 0
            if poll(&watched, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if watched[1].revents != 0 { return }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            var relevant = false
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= n {
                let length = buffer.withUnsafeBytes { raw -> Int in
                    Int(raw.load(fromByteOffset: offset + headerSize - 4, as: UInt32.self))
                }
                let nameStart = offset + headerSize
                let nameBytes = buffer[nameStart..<min(n, nameStart + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { relevant = true }
                offset = nameStart + length
            }
            guard relevant else { continue }
            // Let the rest of the burst arrive, then drain it, then call back once.
            Thread.sleep(
                forTimeInterval: Double(debounce.components.attoseconds) / 1e18 + Double(debounce.components.seconds))
            var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&pollfd, 1, 0) > 0 {
                _ = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
            onChange()
        }
    }
}
