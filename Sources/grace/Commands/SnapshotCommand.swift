import ArgumentParser
import Foundation
import GraceDSL
import Runtime

/// `grace snapshot`: list, take, verify and restore snapshots of kernels' data in `<state dir>/snapshots`, offline.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "List, create, verify or restore snapshots of kernels' data.",
        discussion: """
            A snapshot holds every regular file under a kernel's `data` paths (relative to the configuration \
            root), cut into 1 MiB chunks stored once by SHA-256 in <state dir>/snapshots, so unchanged data costs \
            nothing. Symbolic links and special files are not captured (each is noted in the manifest) and are \
            left alone by restore. Grace takes snapshots on the schedule of the grace document's `snapshots:` \
            and when playbooks ask; these commands work on the store directly, with or without Grace running.

            Exit status: 0 success, 1 `verify` found damage, 2 unknown kernel or snapshot, usage or I/O error.

            Examples:
              grace snapshot list api
              grace snapshot create api --tag before-upgrade
              grace snapshot verify 20261126T101512Z-3fa2c1d0
              grace snapshot restore api --from last_good
            """,
        subcommands: [List.self, Create.self, Verify.self, Restore.self],
        defaultSubcommand: List.self)

    /// The store under the state directory; `create` makes one where none exists, the others refuse.
    static func openStore(_ option: StateDirectoryOption, create: Bool = false) throws -> SnapshotStore {
        let directory = try option.resolve().appendingPathComponent("snapshots")
        guard create || FileManager.default.fileExists(atPath: directory.path) else {
            throw CLIError.io("no snapshots at \(directory.path): none has been taken with this state directory")
        }
        return try SnapshotStore(directory: directory)
    }

    /// The configuration root (the nearest directory upwards with config/grace.yaml): data paths are relative to it.
    static func configurationRoot() throws -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let root = ConfigurationLoader.findRoot(from: cwd) else {
            throw CLIError.io(
                "no configuration root found from \(cwd.path): expected config/grace.yaml here or above; "
                    + "kernels' data paths are relative to it")
        }
        return root
    }

    /// The configuration root and the kernel's data paths, from the compiled configuration found from the current
    /// directory (as `grace validate` finds it).
    static func kernelData(_ kernel: String) throws -> (root: URL, paths: [String]) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = try configurationRoot()
        let urls = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        let files: [SourceFile]
        do {
            files = try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: cwd)
        } catch let error as ConfigurationLoader.LoadError {
            throw CLIError.io(error.description)
        }
        let options = CompilerOptions(
            checkExecutables: false, root: root.path, requireGraceDocument: true,
            toolDirectories: ToolLocation.directories())
        guard let graph = Compiler(options: options).compile(files).graph else {
            throw CLIError.io("the configuration has errors (see `grace validate`); its kernels are not known")
        }
        guard let declared = graph.kernel(kernel) else {
            let known = graph.bootOrder.joined(separator: ", ")
            throw CLIError.usage(
                "no kernel \(kernel) in the configuration" + (known.isEmpty ? "" : " (kernels: \(known))"))
        }
        return (root, declared.data.map(\.value))
    }

    static func utc(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        return formatter.string(from: date)
    }

    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension SnapshotCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List snapshots, oldest first.",
            discussion: "GOOD marks snapshots taken while the kernel was healthy: what `--from last_good` restores.")

        @Argument(help: "Only the snapshots of this kernel.")
        var kernel: String?

        @Flag(help: "Print a JSON array of manifests (without their chunk lists) instead of a table.")
        var json = false

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            let directory = try state.resolve().appendingPathComponent("snapshots")
            let manifests =
                FileManager.default.fileExists(atPath: directory.path)
                ? try SnapshotStore(directory: directory).list(kernel: kernel) : []
            print(try json ? Self.json(manifests) : Self.table(manifests))
        }

        static func table(_ manifests: [SnapshotManifest]) -> String {
            if manifests.isEmpty { return "no snapshots" }
            let header = ["ID", "KERNEL", "TIME", "GOOD", "FILES", "SIZE", "TAG"]
            let rows = manifests.map { manifest in
                [
                    manifest.id, manifest.kernel, SnapshotCommand.utc(manifest.time), manifest.good ? "yes" : "no",
                    String(manifest.files.count), SnapshotCommand.size(manifest.bytes), manifest.tag ?? "-",
                ]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            return ([header] + rows).map { row in
                row.enumerated().map { column, cell in
                    column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }.joined(separator: "\n")
        }

        private struct JSONManifest: Encodable {
            var id: String
            var kernel: String
            var time: String
            var timeMilliseconds: Int64
            var tag: String?
            var good: Bool
            var paths: [String]
            var files: Int
            var bytes: UInt64
            var skipped: [SnapshotManifest.Skipped]

            enum CodingKeys: String, CodingKey {
                case id, kernel, time, tag, good, paths, files, bytes, skipped
                case timeMilliseconds = "time_ms"
            }
        }

        static func json(_ manifests: [SnapshotManifest]) throws -> String {
            let values = manifests.map { manifest in
                JSONManifest(
                    id: manifest.id, kernel: manifest.kernel, time: SnapshotCommand.utc(manifest.time),
                    timeMilliseconds: Int64((manifest.time.timeIntervalSince1970 * 1000).rounded()),
                    tag: manifest.tag, good: manifest.good, paths: manifest.paths, files: manifest.files.count,
                    bytes: manifest.bytes, skipped: manifest.skipped)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(values), as: UTF8.self)
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Snapshot a kernel's data now.",
            discussion: """
                Reads the kernel's `data` paths from the configuration. This command cannot tell whether the \
                kernel is healthy, so its snapshot is not marked good unless --good says the data is known to be \
                sound: only good snapshots are restored by `--from last_good`, what healing playbooks use.
                """)

        @Argument(help: "The kernel whose data to snapshot.")
        var kernel: String

        @Option(help: "A label stored with the snapshot, e.g. before-upgrade.")
        var tag: String?

        @Flag(help: "Mark the snapshot good: the data is known to be sound, and `--from last_good` may restore it.")
        var good = false

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            let data = try SnapshotCommand.kernelData(kernel)
            if data.paths.isEmpty {
                throw CLIError.usage("kernel \(kernel) declares no data paths (`data:`); there is nothing to snapshot")
            }
            let manifest = try SnapshotCommand.openStore(state, create: true).create(
                kernel: kernel, root: data.root, paths: data.paths, tag: tag, good: good)
            print(
                "snapshot \(manifest.id)\(good ? " (good)" : ""): \(manifest.files.count) files, "
                    + SnapshotCommand.size(manifest.bytes))
            for skipped in manifest.skipped {
                print("  not captured: \(skipped.path) (\(skipped.kind))")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a snapshot's chunks are all present and unchanged.",
            discussion: """
                Re-reads every chunk of the snapshot and checks that its content still hashes to its name.

                Exit status: 0 intact, 1 damaged (each problem is printed), 2 unknown snapshot, usage or I/O error.
                """)

        @Argument(help: "The snapshot id, or a unique prefix of it.")
        var id: String

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            let store = try SnapshotCommand.openStore(state)
            let manifest = try store.find(id)
            switch try store.verify(manifest.id) {
            case .intact(let files, let bytes):
                print("snapshot \(manifest.id) intact: \(files) files, \(SnapshotCommand.size(bytes))")
            case .damaged(let problems):
                print("snapshot \(manifest.id) damaged:")
                for problem in problems { print("  \(problem)") }
                throw ExitCode(1)
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a kernel's data back as a snapshot holds it.",
            discussion: """
                Every file is written aside and checked first, then all are swapped in; a failure leaves the \
                current data as it is. Files under the kernel's data paths that the snapshot does not hold are \
                removed. Stop the kernel before restoring by hand: a kernel writing its data during a restore can \
                mix old and new (playbooks that restore stop it themselves).
                """)

        @Argument(help: "The kernel whose data to restore.")
        var kernel: String

        @Option(
            help: ArgumentHelp(
                "latest, last_good (the newest snapshot taken while the kernel was healthy) or a snapshot id.",
                valueName: "snapshot"))
        var from = "last_good"

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            FileHandle.standardError.write(
                Data(
                    ("warning: stop kernel \(kernel) before restoring its data by hand (grace stops it itself when a "
                        + "playbook restores)\n").utf8))
            let store = try SnapshotCommand.openStore(state)
            let manifest = try store.resolve(kernel: kernel, reference: from)
            // The snapshot records its own data paths: restoring needs only the root, so it works even while the
            // configuration has errors.
            try store.restore(manifest.id, root: SnapshotCommand.configurationRoot())
            print(
                "restored \(kernel) from snapshot \(manifest.id) (\(SnapshotCommand.utc(manifest.time))): "
                    + "\(manifest.files.count) files, \(SnapshotCommand.size(manifest.bytes))")
        }
    }
}
