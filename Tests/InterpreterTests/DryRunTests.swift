import GraceDSL
import Testing

@testable import Interpreter

/// `grace playbook run --dry-run`: what would happen, and as plainly what would not.
@Suite("Playbook dry runs")
struct DryRunTests {
    static let playbooks = """
        kind: playbook
        name: fix
        manual: true
        params: {kernel: {type: kernel}}
        steps:
          - name: hold
            stop: "{{ kernel }}"
            signal: SIGINT
            grace: 5s
          - name: check
            verify: "{{ kernel }}"
            continue_on_error: true
          - name: mend
            if: {step: check, status: failed}
            exec: [/usr/bin/env, mend]
            cwd: var/tools
            env: {MODE: repair}
          - name: ask
            agent_task: diagnose
            goal: "why did {{ kernel }} fall over"
        on_failure: page
        ---
        kind: playbook
        name: page
        steps:
          - rollback_config: last_good
        """

    @Test("every setting a step carries is shown, and unavailable actions are marked where they fail")
    func dryRunIsTruthful() throws {
        let graph = try PlaybookExecutorTests.graph(Self.playbooks)
        let s = PlaybookExecutorTests.Setup(graph)
        let lines = s.executor.dryRun(
            "fix", arguments: ["kernel": "api"], unavailable: ["agent_task", "rollback_config"])
        #expect(lines[0] == "1. hold: stop api with SIGINT, SIGKILL after 5s")
        #expect(lines[1] == "2. check: verify the data of api [a failure does not stop the run]")
        #expect(
            lines[2]
                == "3. mend: exec /usr/bin/env mend in var/tools with MODE=repair (expect exit 0) [if step check failed]"
        )
        #expect(lines[3].hasSuffix("-- NOT IN THIS BUILD: `agent_task` fails, so the run fails here"))
        #expect(lines[4] == "on failure: escalate to page -- NOT IN THIS BUILD: page: rollback_config would fail")
        #expect(s.machine.performed.isEmpty)

        let everything = s.executor.dryRun("fix", arguments: ["kernel": "api"])
        #expect(
            !everything.joined().contains("NOT IN THIS BUILD"), "a build with every action says nothing of the kind")
    }
}
