import ArgumentParser
import Foundation
import GraceDSL

/// Where the configuration comes from: explicit paths, or the root found from the current directory.
struct ConfigurationOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Files or directories to compile. Default: the configuration root (the nearest directory upwards "
                + "with config/grace.yaml), covering its config/ and Playbooks/.",
            valueName: "path"))
    var paths: [String] = []

    @Flag(
        name: .customLong("no-executable-check"),
        help: "Do not check that commands name executables present on this machine.")
    var skipExecutableCheck = false

    /// The files to compile and the options to compile them with.
    func load() throws -> (files: [SourceFile], options: CompilerOptions) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = ConfigurationLoader.findRoot(from: cwd)
        var urls: [URL]
        var requireGrace = false
        if paths.isEmpty {
            guard let root else {
                throw CLIError.io(
                    "no configuration root found from \(cwd.path): expected config/grace.yaml here or above; "
                        + "pass paths explicitly")
            }
            urls = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
            urls = urls.filter { FileManager.default.fileExists(atPath: $0.path) }
            requireGrace = true
        } else {
            urls = paths.map { URL(fileURLWithPath: $0, relativeTo: cwd) }
        }
        let files: [SourceFile]
        do {
            files = try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: cwd)
        } catch let error as ConfigurationLoader.LoadError {
            throw CLIError.io(error.description)
        }
        let options = CompilerOptions(
            checkExecutables: !skipExecutableCheck, root: (root ?? cwd).path, requireGraceDocument: requireGrace,
            toolDirectories: ToolLocation.directories())
        return (files, options)
    }
}

extension ConfigurationOptions {
    /// Loads and compiles the configuration; on errors prints the diagnostics to stderr (with `hint` after
    /// them) and exits 1. Exits 2 on I/O errors.
    func compileOrExit(hint: String? = nil) throws -> (graph: ExecutionGraph, files: [SourceFile], options: CompilerOptions) {
        let loaded: (files: [SourceFile], options: CompilerOptions)
        do {
            loaded = try load()
        } catch let error as CLIError {
            Terminal.fail(error)
        }
        let result = Compiler(options: loaded.options).compile(loaded.files)
        guard let graph = result.graph else {
            let sources = Dictionary(loaded.files.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
            let text = TextDiagnosticRenderer(color: Terminal.wantsColor(STDERR_FILENO))
                .render(result.diagnostics, sources: sources)
            FileHandle.standardError.write(Data((text + "\n" + (hint.map { "\($0)\n" } ?? "")).utf8))
            throw ExitCode(1)
        }
        return (graph, loaded.files, loaded.options)
    }
}

/// Errors the CLI reports itself; both exit with status 2.
enum CLIError: Error, CustomStringConvertible {
    case io(String)
    case usage(String)

    var description: String {
        switch self {
        case .io(let m), .usage(let m): "error: \(m)"
        }
    }
}

/// Where the running `grace` binary lives, so tools built next to it (`grace-demo`) resolve like git's commands.
enum ToolLocation {
    static func directories() -> [String] {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return [(exe as NSString).deletingLastPathComponent]
        }
        return []
    }
}

/// Whether to color terminal output: only on a terminal, and never with NO_COLOR or TERM=dumb.
enum Terminal {
    static func wantsColor(_ fd: Int32 = STDOUT_FILENO) -> Bool {
        let env = ProcessInfo.processInfo.environment
        return isatty(fd) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }

    static func fail(_ error: CLIError) -> Never {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        exit(2)
    }
}
