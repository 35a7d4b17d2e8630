import ConfigRepair
import Foundation
import GraceAgent
import GraceDSL
import Runtime
import Testing

/// The agent against a real git repository and real files; Grace's reload is a closure the test answers.
@Suite("Agent worker", .timeLimit(.minutes(5)))
struct AgentWorkerTests {
    /// Every commit the agent made compiles with no error (what `grace validate` checks), at that commit.
    static func everyAgentCommitValidates(_ tree: AgentTestTree) async throws {
        for (commit, message) in try await tree.agentCommits() {
            let listing = try await tree.git.git(["ls-tree", "-r", "--name-only", commit, "--", "config", "Playbooks"])
            var files: [SourceFile] = []
            for path in listing.split(separator: "\n").map(String.init) where path.hasSuffix(".yaml") {
                files.append(SourceFile(path: path, text: try await tree.git.git(["show", "\(commit):\(path)"])))
            }
            let result = Compiler(options: CompilerOptions(checkExecutables: false, requireGraceDocument: true))
                .compile(files)
            #expect(
                result.errorCount == 0, "agent commit \(commit.prefix(10)) (\(message.prefix(60))) does not validate")
        }
    }

    @Test func fixesACommittedTypoCommitsWithTrailersReloadsAndHolds() async throws {
        let tree = try await AgentTestTree()
        try tree.write(
            "Playbooks/kernel.yaml", AgentTestTree.playbooks.replacingOccurrences(of: "timeout:", with: "timout:"))
        try await tree.commitAll("a person's broken edit")
        let task = try tree.enqueue("fix_invalid") {
            $0.diagnostic = "G106"; $0.path = "Playbooks/kernel.yaml"
        }
        #expect(await tree.worker().workOne())

        let done = try #require(try tree.store.task(task.id))
        #expect(done.state == .done, "\(done.detail)")
        #expect(try tree.read("Playbooks/kernel.yaml") == AgentTestTree.playbooks)
        #expect(tree.reloads == 1)
        let commits = try await tree.agentCommits()
        try #require(commits.count == 1)
        #expect(commits[0].id == done.commit)
        #expect(commits[0].message.contains("Grace-Task: \(task.id)"))
        #expect(commits[0].message.contains("Grace-Diagnostic: G106"))
        #expect(commits[0].message.contains("gate: compile:"))
        let states = try tree.store.history(of: task.id).map(\.state)
        #expect(states == [.queued, .planning, .verifying, .committed, .watching, .done])
        try await Self.everyAgentCommitValidates(tree)
    }

    @Test func aSyntaxErrorInAFileWithAProtectedDocumentIsRepairedAgainstTheLastGoodTree() async throws {
        let tree = try await AgentTestTree(files: [
            "config/kernels.yaml": AgentTestTree.kernels.replacingOccurrences(
                of: "name: store\ncommand: [/bin/sleep, \"1000\"]",
                with: "name: store\ncommand: [/bin/sleep, \"1000\"]\nrestart:\n  policy: always")
        ])
        let good = try tree.read("config/kernels.yaml")
        // Unparsable, the file has no documents at all: a repair must not count as changing `store` (protected).
        try tree.write(
            "config/kernels.yaml", good.replacingOccurrences(of: "\n  policy: always", with: "\n\tpolicy: always"))
        let task = try tree.enqueue("fix_invalid")
        #expect(await tree.worker().workOne())
        let done = try #require(try tree.store.task(task.id))
        #expect(done.state == .done, "\(done.detail)")
        #expect(try tree.read("config/kernels.yaml") == good)
    }

    @Test func aFailingVerifyCommandOrTheHourlyBudgetBlocksTheCommit() async throws {
        // `agent.verify` runs in a scratch copy of the tree with the change; /bin/false refuses everything.
        let strict = AgentTestTree.grace.replacingOccurrences(
            of: "  max_commits_per_hour: 6\n", with: "  max_commits_per_hour: 6\n  verify: [\"/bin/false\"]\n")
        let tree = try await AgentTestTree(files: ["config/grace.yaml": strict])
        try tree.write(
            "Playbooks/kernel.yaml", AgentTestTree.playbooks.replacingOccurrences(of: "timeout:", with: "timout:"))
        try await tree.commitAll("broken")
        let task = try tree.enqueue("fix_invalid")
        #expect(await tree.worker().workOne())
        let refused = try #require(try tree.store.task(task.id))
        #expect(refused.state == .failed)
        #expect(refused.detail.contains("verify: refused: `/bin/false` failed"), "\(refused.detail)")

        // One commit an hour, and one already made: the next waits.
        let budget = AgentTestTree.grace.replacingOccurrences(
            of: "max_commits_per_hour: 6", with: "max_commits_per_hour: 1")
        let limited = try await AgentTestTree(files: ["config/grace.yaml": budget])
        let earlier = try limited.enqueue("verify")
        try limited.store.transition(
            earlier.id, from: [.queued], to: .committed, detail: "an earlier commit", commit: "0")
        try limited.store.transition(earlier.id, from: [.committed], to: .done, detail: "held")
        try limited.write(
            "Playbooks/kernel.yaml", AgentTestTree.playbooks.replacingOccurrences(of: "timeout:", with: "timout:"))
        try await limited.commitAll("broken")
        let next = try limited.enqueue("fix_invalid")
        #expect(await limited.worker().workOne())
        let waiting = try #require(try limited.store.task(next.id))
        #expect(waiting.state == .failed)
        #expect(waiting.detail.contains("max_commits_per_hour: 1"), "\(waiting.detail)")
        #expect(try await limited.agentCommits().isEmpty)
    }

    @Test func aChangeAfterWhichItsKernelFailsMoreIsRevertedWithTheJournalsEvidence() async throws {
        let tree = try await AgentTestTree()
        let journal = try StateStore(path: tree.state.appendingPathComponent("grace.sqlite").path)
        // web exited once in the window before the change, then twice after the reload.
        try journal.append(.kernelExited(kernel: "web", pid: 10, status: .exited(code: 1), ran: .seconds(3)))
        tree.onReload = { count in
            guard count == 1 else { return }
            for pid in [11, 12] as [Int32] {
                _ = try? journal.append(
                    .kernelExited(kernel: "web", pid: pid, status: .exited(code: 1), ran: .seconds(1)))
            }
        }
        let task = try tree.enqueue("diagnose") {
            $0.kernel = "web"
            $0.line = "missing required configuration parameter REGION (e.g. REGION=eu-1)"
        }
        #expect(await tree.worker(journal: journal).workOne())
        let reverted = try #require(try tree.store.task(task.id))
        #expect(reverted.state == .reverted, "\(reverted.detail)")
        // How many came before depends on how long the test took to get here (a busy machine): at most the one.
        #expect(
            reverted.detail.contains("2 failure(s) of the kernels it touched after the reload"),
            "\(reverted.detail)")
        #expect(!(try tree.read("config/kernels.yaml")).contains("REGION"))
    }

    @Test func aTreeThatCompilesNeedsNothing() async throws {
        let tree = try await AgentTestTree()
        let task = try tree.enqueue("fix_invalid")
        #expect(await tree.worker().workOne())
        #expect(try tree.store.task(task.id)?.state == .done)
        #expect(try await tree.agentCommits().isEmpty)
        #expect(tree.reloads == 0)
    }

    @Test func theProtectedListIsObeyedWhateverTheTaskAsks() async throws {
        let tree = try await AgentTestTree()
        // A typo in `store`, which the policy protects: the fix passes the compiler but not the policy.
        try tree.write(
            "config/kernels.yaml",
            AgentTestTree.kernels.replacingOccurrences(of: "name: store\ncommand", with: "name: store\ncomand"))
        try await tree.commitAll("typo in store")
        let task = try tree.enqueue("fix_invalid")
        #expect(await tree.worker().workOne())
        let failed = try #require(try tree.store.task(task.id))
        #expect(failed.state == .failed)
        #expect(failed.detail.contains("store is protected"), "\(failed.detail)")
        #expect(try await tree.agentCommits().isEmpty)
        #expect(try tree.read("config/kernels.yaml").contains("comand"))
    }

    @Test func aRefusedReloadIsRevertedWithTheEvidence() async throws {
        let tree = try await AgentTestTree()
        try tree.write(
            "Playbooks/kernel.yaml", AgentTestTree.playbooks.replacingOccurrences(of: "timeout:", with: "timout:"))
        try await tree.commitAll("broken")
        tree.reloadAnswer = (false, "refused: something else is wrong")
        let task = try tree.enqueue("fix_invalid")
        #expect(await tree.worker().workOne())
        let reverted = try #require(try tree.store.task(task.id))
        #expect(reverted.state == .reverted, "\(reverted.detail)")
        #expect(reverted.detail.contains("refused: something else is wrong"))
        // The fix and its revert are both in history; the file is back as it was before the fix.
        let commits = try await tree.agentCommits()
        #expect(commits.count == 2)
        #expect(commits[0].message.hasPrefix("Revert"))
        #expect(try tree.read("Playbooks/kernel.yaml").contains("timout:"))
    }

    @Test func aCrashAfterTheCommitResumesWithoutCommittingTwice() async throws {
        let tree = try await AgentTestTree()
        try tree.write(
            "Playbooks/kernel.yaml", AgentTestTree.playbooks.replacingOccurrences(of: "timeout:", with: "timout:"))
        try await tree.commitAll("broken")
        let task = try tree.enqueue("fix_invalid")
        // What an agent killed between `git commit` and recording it leaves: the commit, and the task verifying.
        try tree.write("Playbooks/kernel.yaml", AgentTestTree.playbooks)
        try await tree.git.git(["add", "-A"])
        try await tree.git.git([
            "-c", "user.name=Grace agent", "-c", "user.email=agent@grace.invalid", "commit", "-q",
            "--author=Grace agent <agent@grace.invalid>", "-m", "agent: fix\n\nGrace-Task: \(task.id)",
        ])
        try tree.store.transition(task.id, from: [.queued], to: .planning, detail: "p", countAttempt: true)
        try tree.store.transition(task.id, from: [.planning], to: .verifying, detail: "v")

        #expect(await tree.worker().workOne())
        let done = try #require(try tree.store.task(task.id))
        #expect(done.state == .done, "\(done.detail)")
        #expect(try await tree.agentCommits().count == 1)
        #expect(tree.reloads == 1)
    }

    @Test func aCrashWhileWatchingGoesOnToTheRecordedEnd() async throws {
        let tree = try await AgentTestTree()
        let task = try tree.enqueue("fix_invalid")
        try tree.store.transition(task.id, from: [.queued], to: .committed, detail: "c", commit: "0000")
        try tree.store.transition(
            task.id, from: [.committed], to: .watching, detail: "w", watchUntil: Date().addingTimeInterval(0.5))
        #expect(await tree.worker().workOne())
        #expect(try tree.store.task(task.id)?.state == .done)
        #expect(tree.reloads == 0)
    }

    @Test func aRefactorWaitingForReviewIsPreparedOnABranchAndAppliedWhenApproved() async throws {
        let duplicate = """
            ---
            kind: trigger
            name: web-exited
            when: {exit: web}
            run: restart-kernel
            with: {kernel: web}
            ---
            kind: refactor
            name: merge-crash-triggers
            description: One trigger per condition.
            intent: merge_duplicate_triggers
            target: {kind: trigger}
            approval: review

            """
        let tree = try await AgentTestTree(files: ["Playbooks/kernel.yaml": AgentTestTree.playbooks + duplicate])
        let original = try tree.read("Playbooks/kernel.yaml")
        let task = try tree.enqueue("refactor") { $0.refactor = "merge-crash-triggers" }
        let worker = tree.worker()
        #expect(await worker.workOne())
        let waiting = try #require(try tree.store.task(task.id))
        #expect(waiting.state == .needsReview, "\(waiting.detail)")
        let branch = try #require(waiting.branch)
        // Nothing in the work tree or on HEAD yet.
        #expect(try tree.read("Playbooks/kernel.yaml") == original)
        #expect(try await tree.agentCommits().isEmpty)
        let onBranch = try await tree.git.git(["show", "\(branch):Playbooks/kernel.yaml"])
        #expect(!onBranch.contains("name: web-exited") || !onBranch.contains("name: web-crashed"))

        try await worker.approve(task.id)
        let done = try #require(try tree.store.task(task.id))
        #expect(done.state == .done, "\(done.detail)")
        #expect(try tree.read("Playbooks/kernel.yaml") == onBranch)
        let commits = try await tree.agentCommits()
        #expect(commits.count == 1)
        #expect(commits.first?.message.contains("Grace-Intent: merge-crash-triggers") == true)
        try await Self.everyAgentCommitValidates(tree)
    }

    @Test func aFixWhoseCauseComesBackIsRevertedWithTheLine() async throws {
        let tree = try await AgentTestTree()
        let line = "request rejected: missing required configuration parameter REGION (e.g. REGION=eu-1)"
        let log = tree.state.appendingPathComponent("logs/web.log")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("2026-12-05T10:00:00.000Z stderr \(line)\n".utf8).write(to: log)
        // The kernel goes on logging the error after the reload: the fix did not help.
        tree.onReload = { count in
            guard count == 1, let handle = try? FileHandle(forWritingTo: log) else { return }
            _ = try? handle.seekToEnd()
            let now = ISO8601DateFormatter()
            now.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            try? handle.write(contentsOf: Data("\(now.string(from: Date())) stderr \(line)\n".utf8))
            try? handle.close()
        }
        let task = try tree.enqueue("diagnose") {
            $0.kernel = "web"
            $0.line = line
        }
        #expect(await tree.worker().workOne())
        let reverted = try #require(try tree.store.task(task.id))
        #expect(reverted.state == .reverted, "\(reverted.detail)")
        #expect(reverted.detail.contains("still logs the error"), "\(reverted.detail)")
        #expect(!(try tree.read("config/kernels.yaml")).contains("REGION"))
        #expect(try tree.store.patterns(for: "missing-parameter:REGION").isEmpty)
        #expect(tree.reloads == 2)
    }

    @Test func aFixThatHoldsIsLearnedAndReusedForAnotherKernel() async throws {
        let tree = try await AgentTestTree(files: [
            "config/kernels.yaml": AgentTestTree.kernels
                + "---\nkind: kernel\nname: jobs\ncommand: [/bin/sleep, \"1000\"]\n"
        ])
        let line = "request rejected: missing required configuration parameter REGION (e.g. REGION=eu-1)"
        let first = try tree.enqueue("diagnose") {
            $0.kernel = "web"
            $0.line = line
        }
        let worker = tree.worker()
        #expect(await worker.workOne())
        #expect(try tree.store.task(first.id)?.state == .done)
        #expect(try tree.store.patterns(for: "missing-parameter:REGION").count == 1)
        // The other kernel's line suggests no value: only the learned pattern knows it.
        let second = try tree.enqueue("diagnose") {
            $0.kernel = "jobs"
            $0.line = "missing required configuration parameter REGION"
        }
        #expect(await worker.workOne())
        let done = try #require(try tree.store.task(second.id))
        #expect(done.state == .done, "\(done.detail)")
        let commits = try await tree.agentCommits()
        #expect(commits.first?.message.contains("Grace-Planner: pattern") == true)
        #expect(try tree.read("config/kernels.yaml").components(separatedBy: "REGION: eu-1").count == 3)
        // And a protected kernel is refused whatever the pattern says.
        let third = try tree.enqueue("diagnose") {
            $0.kernel = "store"
            $0.line = "missing required configuration parameter REGION"
        }
        #expect(await worker.workOne())
        let refused = try #require(try tree.store.task(third.id))
        #expect(refused.state == .failed)
        #expect(refused.detail.contains("store is protected"), "\(refused.detail)")
        try await Self.everyAgentCommitValidates(tree)
    }

    @Test func aRepeatingUnknownErrorBecomesASignatureForReview() async throws {
        let tree = try await AgentTestTree()
        let task = try tree.enqueue("learn_signature") {
            $0.kernel = "web"
            $0.line = "2026-12-05 16:00:00,000 ERROR web.main: queue shard 17 stalled after 3000 ms"
        }
        #expect(await tree.worker().workOne())
        let waiting = try #require(try tree.store.task(task.id))
        #expect(waiting.state == .needsReview, "\(waiting.detail)")
        let branch = try #require(waiting.branch)
        let declared = try await tree.git.git(["show", "\(branch):config/grace.yaml"])
        #expect(declared.contains("pattern: queue shard <*> stalled after <*> ms"), "\(declared)")
        #expect(declared.contains("playbook: restart-kernel"))
        #expect(declared.hasPrefix(AgentTestTree.grace), "the documents before it are kept byte for byte")
    }

    @Test func aPausedAgentStartsNothing() async throws {
        let tree = try await AgentTestTree()
        let task = try tree.enqueue("verify")
        try tree.store.setPaused(true)
        #expect(await tree.worker().workOne() == false)
        try tree.store.setPaused(false)
        #expect(await tree.worker().workOne())
        #expect(try tree.store.task(task.id)?.state == .done)
    }
}
