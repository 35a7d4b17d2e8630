import Foundation
import TestSupport
import Testing

/// `grace agent` without a running Grace: `fix` on broken copies of the shipped configuration, and the queue
/// commands on a state directory.
@Suite("grace agent", .timeLimit(.minutes(5)))
struct AgentCommandTests {
    /// A copy of the shipped configuration with `damage` applied to `file`.
    static func brokenCopy(_ file: String, _ damage: (String) -> String) throws -> URL {
        let root = try UpCommandTests.copyOfShippedConfiguration()
        let url = root.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let damaged = damage(text)
        #expect(damaged != text)
        try Data(damaged.utf8).write(to: url)
        return root
    }

    @Test func fixRepairsATypoPrintsWhyAndTheTreeThenValidates() async throws {
        let root = try Self.brokenCopy("Playbooks/kernel.yaml") {
            $0.replacingOccurrences(of: "    timeout: 30s", with: "    timout: 30s")
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let before = try await GraceBinary.run(["validate"], in: root)
        #expect(before.status == 1)
        let fix = try await GraceBinary.run(["agent", "fix"], in: root)
        #expect(fix.status == 0, "\(fix.stdout)\(fix.stderr)")
        #expect(fix.stdout.contains("Playbooks/kernel.yaml:"), "\(fix.stdout)")
        #expect(fix.stdout.contains("G106"), "\(fix.stdout)")
        let after = try await GraceBinary.run(["validate"], in: root)
        #expect(after.status == 0, "\(after.stdout)")
    }

    @Test func fixSaysWhatItCouldNotFixAndExitsOne() async throws {
        // A kernel that depends on itself: a cycle has no single right fix.
        let root = try Self.brokenCopy("config/kernels.yaml") {
            $0.replacingOccurrences(of: "depends_on: [store]", with: "depends_on: [api]")
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let fix = try await GraceBinary.run(["agent", "fix", "--json"], in: root)
        #expect(fix.status == 1, "\(fix.stdout)\(fix.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(fix.stdout.utf8)) as? [String: Any]
        #expect(object?["fixed"] as? Bool == false)
        #expect((object?["remaining"] as? [Any])?.isEmpty == false)
        let usage = try await GraceBinary.run(["agent", "fix", "no/such/path"], in: root)
        #expect(usage.status == 2)
    }

    @Test func askQueuesATaskThatTasksAndShowList() async throws {
        let state = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let ask = try await GraceBinary.run(
            ["agent", "ask", "diagnose", "--kernel", "api", "--line", "boom", "--state-dir", state.path])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout.contains("queued task 1"))
        let tasks = try await GraceBinary.run(["agent", "tasks", "--json", "--state-dir", state.path])
        let object = try JSONSerialization.jsonObject(with: Data(tasks.stdout.utf8)) as? [String: Any]
        let first = try #require((object?["tasks"] as? [[String: Any]])?.first, "\(tasks.stdout)")
        #expect(first["state"] as? String == "queued")
        #expect(first["kernel"] as? String == "api")
        #expect(first["source"] as? String == "person")
        let show = try await GraceBinary.run(["agent", "show", "1", "--state-dir", state.path])
        #expect(show.stdout.contains("line: boom"))
        #expect(show.stdout.contains("queued by person"))
        let bad = try await GraceBinary.run(["agent", "ask", "dance", "--state-dir", state.path])
        #expect(bad.status == 2)
        let missing = try await GraceBinary.run(["agent", "approve", "9", "--state-dir", state.path])
        #expect(missing.status == 2)
    }
}
