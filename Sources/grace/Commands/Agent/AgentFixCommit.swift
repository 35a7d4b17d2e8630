import ConfigRepair
import Foundation

/// `grace agent fix --commit`: one git commit of the repaired files, authored by the agent, with the report as
/// its message. Runs the real `git`.
enum AgentFixCommit {
    static let author = "Grace agent <agent@grace.invalid>"

    /// Throws a usage error unless `directory` is in a git work tree.
    static func requireWorkTree(_ directory: URL) throws {
        guard (try? git(["rev-parse", "--is-inside-work-tree"], in: directory)) == "true" else {
            throw CLIError.usage("--commit: \(directory.path) is not in a git work tree; nothing was changed")
        }
    }

    /// Commits the files `report` names, with its commit message.
    static func commit(_ report: RepairReport, in directory: URL) throws {
        try git(["add", "--"] + report.files, in: directory)
        try git(
            [
                "-c", "user.name=Grace agent", "-c", "user.email=agent@grace.invalid", "commit", "--quiet",
                "--author", author, "-m", report.commitMessage, "--",
            ] + report.files,
            in: directory)
    }

    /// Runs git in `directory`; returns its trimmed standard output, throws with its standard error on failure.
    @discardableResult
    private static func git(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw CLIError.io("cannot run git: \(error.localizedDescription)") }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError.io("git \(arguments.first ?? ""): " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
