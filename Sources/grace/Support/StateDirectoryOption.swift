import ArgumentParser
import Foundation
import GraceDSL

/// Where Grace keeps its state (the journal database `grace.sqlite`, logs, snapshots): `--state-dir`, or else the
/// `state_dir` of the configuration root's `grace` document, relative to the root (default `var/grace`).
struct StateDirectoryOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The state directory. Default: state_dir of the grace document of the configuration root (the nearest "
                + "directory upwards with config/grace.yaml), var/grace if unset.",
            valueName: "path"))
    var stateDir: String?

    /// The state directory as an absolute URL. Throws `CLIError` when there is neither `--state-dir` nor a
    /// configuration root.
    func resolve() throws -> URL {
        if let stateDir {
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            return URL(fileURLWithPath: stateDir, relativeTo: cwd).standardizedFileURL
        }
        return try ConfiguredRoot.load().stateDirectory
    }
}

/// The configuration root found from the current directory, compiled once (without the executable check): what
/// the commands that work on a running or past Grace need from it — the state directory, the API's address, the
/// graph when it compiles.
struct ConfiguredRoot {
    let root: URL
    let result: CompilationResult

    /// The grace document: from the graph, or as decoded when the configuration has errors (the journal and the
    /// API must stay reachable then, which is when they matter most).
    var settings: GraceSettings? { result.graceSettings }

    var stateDirectory: URL {
        let configured = settings?.stateDir ?? "var/grace"
        if configured.hasPrefix("/") { return URL(fileURLWithPath: configured).standardizedFileURL }
        return root.appendingPathComponent(configured).standardizedFileURL
    }

    /// Throws `CLIError` when there is no configuration root here or above, or its files cannot be read.
    static func load(
        from cwd: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> ConfiguredRoot {
        guard let root = ConfigurationLoader.findRoot(from: cwd) else {
            throw CLIError.io(
                "no configuration root found from \(cwd.path): expected config/grace.yaml here or above; "
                    + "pass --state-dir")
        }
        let urls = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        let files: [SourceFile]
        do {
            files = try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: cwd)
        } catch let error as ConfigurationLoader.LoadError {
            throw CLIError.io(error.description)
        }
        let result = Compiler(options: CompilerOptions(checkExecutables: false, root: root.path)).compile(files)
        return ConfiguredRoot(root: root, result: result)
    }
}
