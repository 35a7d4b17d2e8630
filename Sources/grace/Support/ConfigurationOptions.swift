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
    /// Loads and compiles the configuration. When it has errors, prints the diagnostics to stderr (with `hint`
    /// after them) and throws `ExitCode(1)`, so the command ends with status 1; throws `CLIError` on I/O errors.
    func compileOrExit(
        hint: String? = nil
    ) throws -> (graph: ExecutionGraph, files: [SourceFile], options: CompilerOptions) {
        let loaded = try load()
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
