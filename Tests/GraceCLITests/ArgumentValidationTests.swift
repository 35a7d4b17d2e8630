import Foundation
import Testing

/// Arguments are checked when they are parsed: a bad value is a usage error (exit status 2) that says what is
/// allowed, never a silent default or clamp.
@Suite("argument validation", .timeLimit(.minutes(10)))
struct ArgumentValidationTests {
    @Test("grace run --log-level takes the listed levels only")
    func logLevel() async throws {
        let out = try await GraceBinary.run(["run", "--log-level", "loud"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("'loud' is invalid"), "\(out.stderr)")
        for level in ["trace", "debug", "info", "notice", "warning", "error", "critical"] {
            #expect(out.stderr.contains(level))
        }
    }

    @Test(
        "grace run --metrics-interval outside 0.1 to 3600 seconds is refused",
        arguments: ["0", "0.05", "-1", "nan", "1e300"])
    func metricsInterval(_ value: String) async throws {
        let out = try await GraceBinary.run(["run", "--metrics-interval=\(value)"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--metrics-interval must be between 0.1 and 3600 seconds"), "\(out.stderr)")
    }

    @Test("--api must be an http:// URL", arguments: [["status"], ["kernel", "restart", "api"], ["reload"]])
    func apiURL(_ command: [String]) async throws {
        let out = try await GraceBinary.run(command + ["--api", "https://127.0.0.1:7070"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--api takes an http:// URL"), "\(out.stderr)")
    }

    @Test("a --param given twice, or without a name, is refused instead of the last one winning")
    func duplicateParameter() async throws {
        let twice = try await GraceBinary.run(
            ["playbook", "run", "restart-kernel", "--param", "kernel=api", "--param", "kernel=db", "--dry-run"])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("--param kernel is given more than once"), "\(twice.stderr)")
        let nameless = try await GraceBinary.run(["playbook", "run", "restart-kernel", "--param", "=api", "--dry-run"])
        #expect(nameless.status == 2)
        #expect(nameless.stderr.contains("--param takes name=value"))
    }

    @Test("negative ids and out-of-range limits are usage errors")
    func ranges() async throws {
        #expect(try await GraceBinary.run(["events", "--after=-1"]).status == 2)
        #expect(try await GraceBinary.run(["events", "--limit", "0"]).status == 2)
        #expect(try await GraceBinary.run(["runs", "--limit", "501"]).status == 2)
        #expect(try await GraceBinary.run(["explain"]).status == 2)
        #expect(try await GraceBinary.run(["explain", "r-1", "--kernel", "api"]).status == 2)
        #expect(try await GraceBinary.run(["journal", "show", "--limit", "0"]).status == 2)
        #expect(try await GraceBinary.run(["kb", "export", "--min-expected", "2"]).status == 2)
        #expect(try await GraceBinary.run(["logs", "mine", "--threshold", "1.5", "-"]).status == 2)
    }

    @Test("errors found while running are reported once, as `error: ...`, with status 2")
    func reportedErrors() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await GraceBinary.run(["journal", "show"], in: dir)
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("error: no configuration root found"), "\(out.stderr)")
        let missing = try await GraceBinary.run(["kb", "show", "abc", "--state-dir", dir.path], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("error: no journal at \(dir.path)/grace.sqlite"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("Error:"), "reported once, in Grace's own words")
    }
}
