import Foundation
import GraceDSL

/// Changes a configuration's git work tree: commits, reverts, roll-backs and branches prepared for review, by
/// running the real `git` through Grace's own spawner (`ProcessCommandRunner`): inside Grace, whose reaper
/// collects every child, a Foundation `Process` could lose its exit status to the reaper.
///
/// Every commit names its author (the agent or Grace) and sets the committer with `-c user.name/user.email`, so
/// nothing depends on the machine's git identity.
public struct GitWorkTree: Sendable {
    /// Why a git operation failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The git command and what it said.
        public var description: String
    }

    /// Who a commit is by.
    public struct Identity: Sendable, Hashable {
        /// The name (`Grace agent`).
        public var name: String
        /// The address (`agent@grace.invalid`).
        public var email: String

        /// The coding agent.
        public static let agent = Identity(name: "Grace agent", email: "agent@grace.invalid")
        /// Grace itself (a `rollback_config` step).
        public static let grace = Identity(name: "Grace", email: "grace@grace.invalid")
    }

    /// The work tree's top level (or any directory inside it).
    public let directory: String
    private let runner: ProcessCommandRunner
    /// Longest one git command may take.
    public var timeout: Duration = .seconds(60)

    /// A work tree at `directory`, changed through `runner`.
    public init(directory: String, runner: ProcessCommandRunner) {
        self.directory = directory
        var runner = runner
        // Whole files come back from `git show`.
        runner.outputLimit = 16 << 20
        // Never wait on an editor or a pager, whatever the user's git config says.
        runner.environment["GIT_EDITOR"] = "true"
        runner.environment["GIT_PAGER"] = "cat"
        runner.environment["GIT_TERMINAL_PROMPT"] = "0"
        self.runner = runner
    }

    /// Runs `git arguments` in the work tree; throws with git's output when it exits non-zero.
    @discardableResult
    public func git(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let outcome: CommandOutcome
        do {
            outcome = try await runner.run(
                ["git"] + arguments, timeout: timeout, workingDirectory: directory, environment: environment)
        } catch {
            throw Failure(description: "git could not be started: \(error)")
        }
        guard outcome.status == 0, !outcome.timedOut else {
            let how = outcome.timedOut ? "timed out" : "exit \(outcome.status.map(String.init) ?? "signal")"
            throw Failure(
                description: "git \(arguments.joined(separator: " ")) failed (\(how)): "
                    + outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return outcome.output
    }

    /// Whether `directory` is inside a git work tree.
    public func isRepository() async -> Bool {
        (try? await git(["rev-parse", "--is-inside-work-tree"]))?.hasPrefix("true") ?? false
    }

    /// The full id of HEAD; nil when there is no commit yet (or no repository).
    public func head() async -> String? {
        (try? await git(["rev-parse", "--verify", "-q", "HEAD"]))?.trimmingCharacters(in: .whitespacesAndNewlines)
            .nonEmpty
    }

    /// The full id a revision names.
    public func resolve(_ revision: String) async throws -> String {
        try await git(["rev-parse", "--verify", "-q", "\(revision)^{commit}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Paths under `paths` with changes not committed (modified, added, deleted, untracked).
    public func uncommitted(under paths: [String]) async throws -> [String] {
        try await git(["status", "--porcelain", "-z", "--untracked-files=all", "--"] + paths)
            .split(separator: "\0").map { String($0.dropFirst(3)) }
    }

    private func identityArguments(_ identity: Identity) -> [String] {
        ["-c", "user.name=\(identity.name)", "-c", "user.email=\(identity.email)", "-c", "commit.gpgsign=false"]
    }

    /// Commits `paths` as they are in the work tree (and only them) with `message`; returns the new commit's id,
    /// nil when they are as HEAD has them (a fix that undoes an uncommitted change needs no commit).
    public func commit(paths: [String], message: String, as identity: Identity) async throws -> String? {
        try await git(["add", "-A", "--"] + paths)
        let staged = try await git(["diff", "--cached", "--name-only", "HEAD", "--"] + paths)
        guard !staged.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        try await git(
            identityArguments(identity) + [
                "commit", "-q", "--no-verify", "--author=\(identity.name) <\(identity.email)>", "-m", message, "--",
            ] + paths)
        guard let head = await head() else { throw Failure(description: "git commit made no HEAD") }
        return head
    }

    /// Reverts `commit` with a new commit whose message adds `trailers`; returns its id. A revert that conflicts
    /// is aborted (the work tree is left as it was) and thrown.
    public func revert(_ commit: String, trailers: [String], as identity: Identity) async throws -> String {
        do {
            try await git(identityArguments(identity) + ["revert", "--no-edit", "--no-commit", commit])
        } catch {
            _ = try? await git(["revert", "--abort"])
            throw error
        }
        let subject = try await git(["log", "-1", "--format=%s", commit]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let message =
            "Revert \"\(subject)\"\n\nThis reverts commit \(commit).\n\n" + trailers.joined(separator: "\n")
        try await git(
            identityArguments(identity) + [
                "commit", "-q", "--no-verify", "--author=\(identity.name) <\(identity.email)>", "-m", message,
            ])
        guard let head = await head() else { throw Failure(description: "git revert made no HEAD") }
        return head
    }

    /// Makes the files under `paths` what they were at `revision` with one new commit (a revert of every commit
    /// since, and of uncommitted changes, which are stashed first so that nothing is lost). Returns the new commit
    /// (nil when nothing differed) and the short ids of the commits it reverted.
    public func rollBack(to revision: String, paths: [String], message: String, as identity: Identity) async throws
        -> (commit: String?, reverted: [String], stash: String?)
    {
        let target = try await resolve(revision)
        var stash: String?
        if try await !uncommitted(under: paths).isEmpty {
            try await git(
                identityArguments(identity) + [
                    "stash", "push", "--include-untracked", "-m", "grace: before rolling back to \(target.prefix(12))",
                    "--",
                ] + paths)
            stash = try? await git(["rev-parse", "-q", "--verify", "refs/stash"]).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        let reverted = try await git(["log", "--format=%h", "\(target)..HEAD", "--"] + paths)
            .split(separator: "\n").map(String.init)
        let added = try await git(["diff", "--name-only", "-z", "--diff-filter=A", target, "HEAD", "--"] + paths)
            .split(separator: "\0").map(String.init)
        if !added.isEmpty { try await git(["rm", "-q", "-r", "--"] + added) }
        try await git(["checkout", target, "--"] + paths)
        let changed = try await git(["diff", "--cached", "--name-only", "--"] + paths)
        guard !changed.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return (nil, reverted, stash)
        }
        try await git(
            identityArguments(identity) + [
                "commit", "-q", "--no-verify", "--author=\(identity.name) <\(identity.email)>", "-m", message,
            ])
        return (await head(), reverted, stash)
    }

    /// Commits `files` (path relative to the top level -> new contents) on top of HEAD as branch `branch`, without
    /// touching the work tree or the index (a change waiting for review). Returns the commit's id.
    public func commitOnBranch(
        _ branch: String, files: [String: String], message: String, as identity: Identity
    ) async throws -> String {
        let index = FileManager.default.temporaryDirectory.appendingPathComponent("grace-index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: index) }
        let environment = ["GIT_INDEX_FILE": index.path]
        try await git(["read-tree", "HEAD"], environment: environment)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let blobFile = FileManager.default.temporaryDirectory.appendingPathComponent(
                "grace-blob-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: blobFile) }
            try Data(text.utf8).write(to: blobFile)
            let blob = try await git(["hash-object", "-w", blobFile.path]).trimmingCharacters(
                in: .whitespacesAndNewlines)
            try await git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], environment: environment)
        }
        let tree = try await git(["write-tree"], environment: environment).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let commit = try await git(
            ["commit-tree", tree, "-p", "HEAD", "-m", message],
            environment: [
                "GIT_AUTHOR_NAME": identity.name, "GIT_AUTHOR_EMAIL": identity.email,
                "GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email,
            ]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        try await git(["update-ref", "refs/heads/\(branch)", commit])
        return commit
    }

    /// Applies the commit at the tip of `branch` onto HEAD (an approved review); returns the new commit's id.
    public func cherryPick(_ branch: String, as identity: Identity) async throws -> String {
        do {
            try await git(identityArguments(identity) + ["cherry-pick", "--allow-empty", branch])
        } catch {
            _ = try? await git(["cherry-pick", "--abort"])
            throw error
        }
        guard let head = await head() else { throw Failure(description: "git cherry-pick made no HEAD") }
        return head
    }

    /// The YAML files under `paths` as they are at `revision`, with paths relative to the top level.
    public func yamlFiles(at revision: String, under paths: [String]) async throws -> [SourceFile] {
        let listing = try await git(["ls-tree", "-r", "-z", "--name-only", revision, "--"] + paths)
        var files: [SourceFile] = []
        for name in listing.split(separator: "\0").map(String.init).sorted()
        where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            files.append(SourceFile(path: name, text: try await git(["show", "\(revision):\(name)"])))
        }
        return files
    }

    /// The newest commit whose message has the line `trailer` (`Grace-Task: 12`), if any.
    public func commit(withTrailer trailer: String) async -> String? {
        let escaped = NSRegularExpression.escapedPattern(for: trailer)
        return (try? await git(["log", "-1", "--format=%H", "--grep=^\(escaped)$"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
