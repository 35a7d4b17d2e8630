import Foundation
import GraceDSL

/// Reads configuration files as they were at a git revision, by running the real `git` binary.
///
/// Grace shells out rather than linking libgit2: the `git` on the operator's machine honours their config
/// (safe.directory, alternates, partial clones) exactly as their own commands do.
public struct GitRepository: Sendable {
    /// Why reading the repository failed.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// `git` ran and exited non-zero: the arguments, its exit status and what it wrote to stderr.
        case gitFailed(arguments: [String], status: Int32, stderr: String)
        /// No `git` could be started from PATH.
        case gitNotFound

        /// The failing command with git's own message, for the user.
        public var description: String {
            switch self {
            case .gitFailed(let arguments, let status, let stderr):
                let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                return "git \(arguments.joined(separator: " ")) failed (exit \(status)): \(detail)"
            case .gitNotFound:
                return "git is not installed (looked for it in PATH)"
            }
        }
    }

    /// The working tree or any directory inside it.
    public let directory: URL

    /// A repository reached from `directory`; nothing is checked until a method runs git. Every method blocks the
    /// calling thread while git runs.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The top level of the working tree.
    public func topLevel() throws -> URL {
        let path = try run(["rev-parse", "--show-toplevel"]).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: path)
    }

    /// The full commit id a revision names.
    public func resolve(_ revision: String) throws -> String {
        try run(["rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every YAML file under `paths` (relative to the top level) at `revision`, with its contents.
    public func yamlFiles(at revision: String, under paths: [String]) throws -> [SourceFile] {
        let listing = try run(["ls-tree", "-r", "-z", "--name-only", revision, "--"] + paths)
        let names = listing.split(separator: "\0").map(String.init)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        return try names.sorted().map { name in
            SourceFile(path: name, text: try run(["show", "\(revision):\(name)"]))
        }
    }

    /// The newest commits (full ids, newest first) that changed anything under `paths`, at most `limit`.
    public func commits(touching paths: [String], limit: Int) throws -> [String] {
        try run(["log", "--format=%H", "-n", String(max(1, limit)), "--"] + paths)
            .split(separator: "\n").map(String.init)
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        // stderr goes to a file, not a second pipe: reading two pipes from one thread can deadlock.
        let errURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("grace-git-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }
        process.standardOutput = out
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            throw Failure.gitNotFound
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 { throw Failure.gitNotFound }
            let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure.gitFailed(arguments: arguments, status: process.terminationStatus, stderr: stderr)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
