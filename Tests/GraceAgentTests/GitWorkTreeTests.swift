import Foundation
import Runtime
import Testing

/// The git operations the agent and `rollback_config` rely on, against a real repository.
@Suite("Git work tree", .timeLimit(.minutes(5)))
struct GitWorkTreeTests {
    @Test func rollBackMakesTheFilesWhatTheyWereAndKeepsUncommittedWorkInAStash() async throws {
        let tree = try await AgentTestTree()
        let good = try #require(await tree.git.head())
        try tree.write("config/kernels.yaml", AgentTestTree.kernels + "# second\n")
        try await tree.commitAll("second")
        try tree.write("Playbooks/extra.yaml", "kind: playbook\nname: extra\nsteps: [{wait: 1s}]\n")
        try await tree.commitAll("third")
        try tree.write("Playbooks/kernel.yaml", "not: [valid\n")  // uncommitted damage

        let result = try await tree.git.rollBack(
            to: good, paths: ["config", "Playbooks"], message: "Roll back", as: .grace)
        #expect(result.reverted.count == 2)
        let stash = try #require(result.stash)
        #expect(result.commit != nil)
        #expect(try tree.read("config/kernels.yaml") == AgentTestTree.kernels)
        #expect(try tree.read("Playbooks/kernel.yaml") == AgentTestTree.playbooks)
        #expect(!FileManager.default.fileExists(atPath: tree.root.appendingPathComponent("Playbooks/extra.yaml").path))
        // Nothing lost: the damage is in the stash, the history keeps every commit.
        let stashed = try await tree.git.git(["show", "\(stash):Playbooks/kernel.yaml"])
        #expect(stashed.contains("not: [valid"))
        let log = try await tree.git.git(["log", "--format=%an|%s"])
        #expect(log.hasPrefix("Grace|Roll back"))
        #expect(log.contains("|third") && log.contains("|second"))
        // Again: nothing differs, no commit.
        let again = try await tree.git.rollBack(to: good, paths: ["config", "Playbooks"], message: "again", as: .grace)
        #expect(again.commit == nil)
    }

    @Test func aCommitOfFilesAsHEADHasThemIsNoCommit() async throws {
        let tree = try await AgentTestTree()
        let commit = try await tree.git.commit(paths: ["config"], message: "nothing", as: .agent)
        #expect(commit == nil)
        #expect(try await tree.agentCommits().isEmpty)
    }

    @Test func aBranchForReviewLeavesTheWorkTreeAndIndexAlone() async throws {
        let tree = try await AgentTestTree()
        let head = try #require(await tree.git.head())
        let commit = try await tree.git.commitOnBranch(
            "grace-agent/task-9", files: ["config/kernels.yaml": "changed\n"], message: "agent: x", as: .agent)
        #expect(await tree.git.head() == head)
        #expect(try tree.read("config/kernels.yaml") == AgentTestTree.kernels)
        #expect(try await tree.git.uncommitted(under: ["config"]).isEmpty)
        #expect(try await tree.git.git(["show", "\(commit):config/kernels.yaml"]) == "changed\n")
        #expect(await tree.git.commit(withTrailer: "Grace-Task: 9") == nil)
    }
}
