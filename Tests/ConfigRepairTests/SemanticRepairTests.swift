import ConfigRepair
import GraceDSL
import Testing

@Suite("Repairs of names, references, units, templates and parameters")
struct SemanticRepairTests {
    static let playbook = """
        kind: kernel
        name: api
        command: [/bin/sh, -c, "exec sleep 1000"]
        ---
        kind: playbook
        name: restart-kernel
        params:
          kernel: {type: kernel}
        steps:
          - restart: "{{ kernel }}"

        """

    @Test("an unknown key becomes the valid key the compiler suggests")
    func unknownKey() {
        let outcome = RepairFixtures.repair("kind: kernel\nname: api\ncommand: [/bin/true]\ntiers: critical\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("\ntier: critical"))
        #expect(outcome.changes.first?.origin == .fixIt)
        #expect(outcome.changes.first?.summary.hasPrefix("replace `tiers` with `tier` (G106") == true)
    }

    @Test("a misspelt declaration that nothing uses takes the name its uses agree on, not the other way round")
    func misspeltDeclaration() {
        let broken =
            Self.playbook.replacingOccurrences(of: "  kernel: {type: kernel}", with: "  kernnel: {type: kernel}")
            + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\nwith: {kernel: api}\n"
        let outcome = RepairFixtures.repair(broken)
        #expect(outcome.compiles)
        #expect(outcome.changes.count == 1)
        #expect(outcome.text.contains("  kernel: {type: kernel}"))
        #expect(outcome.text.contains("{{ kernel }}") && outcome.text.contains("with: {kernel: api}"))
        #expect(!outcome.text.contains("kernnel"))
    }

    @Test("an unknown kind becomes the nearest kind")
    func unknownKind() {
        let outcome = RepairFixtures.repair("kind: kernal\nname: api\ncommand: [/bin/true]\n")
        #expect(outcome.compiles)
        #expect(outcome.text.hasPrefix("kind: kernel\n"))
    }

    @Test("a dangling reference becomes the nearest existing name of its kind")
    func danglingReference() {
        let outcome = RepairFixtures.repair(
            Self.playbook + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernal\n"
                + "with: {kernel: api}\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("run: restart-kernel\n"))
    }

    @Test("a reference with no close name is left alone")
    func noInvention() {
        let outcome = RepairFixtures.repair(
            Self.playbook + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: page-someone\n"
                + "with: {kernel: api}\n")
        #expect(!outcome.compiles)
        #expect(outcome.changes.isEmpty)
        #expect(outcome.unfixed.map(\.code).contains(.unknownPlaybook))
    }

    @Test("a duration or size unit spelled another way takes Grace's spelling")
    func units() {
        let duration = RepairFixtures.repair(
            Self.playbook + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\n"
                + "with: {kernel: api}\ncooldown: 5min\n")
        #expect(duration.compiles)
        #expect(duration.text.contains("cooldown: 5m\n"))
        let size = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\nlimits: {memory: 256MiBs, nofile: 4096}\n")
        #expect(size.compiles)
        #expect(size.text.contains("memory: 256MiB,"))
        let bare = RepairFixtures.repair(
            Self.playbook + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\n"
                + "with: {kernel: api}\ncooldown: 30\n")
        #expect(bare.text.contains("cooldown: 30s\n"))
    }

    @Test("a template naming an unknown parameter uses the nearest parameter")
    func templateName() {
        let text = Self.playbook.replacingOccurrences(
            of: "  - restart: \"{{ kernel }}\"\n",
            with: "  - restart: \"{{ kernel }}\"\n  - notify: \"{{ kernal }} was restarted\"\n")
        let outcome = RepairFixtures.repair(
            text + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\nwith: {kernel: api}\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("notify: \"{{ kernel }} was restarted\""))
        #expect(outcome.unfixed.isEmpty)
    }

    @Test("an unused parameter is removed, unless a caller passes it")
    func unusedParameter() {
        let text = Self.playbook.replacingOccurrences(
            of: "  kernel: {type: kernel}\n", with: "  kernel: {type: kernel}\n  reason: {type: string, default: x}\n")
        let outcome = RepairFixtures.repair(
            text + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\nwith: {kernel: api}\n")
        #expect(outcome.unfixed.isEmpty)
        #expect(!outcome.text.contains("reason"))
        let passed = RepairFixtures.repair(
            text + "---\nkind: trigger\nname: crashed\nwhen: {exit: api}\nrun: restart-kernel\n"
                + "with: {kernel: api, reason: crash}\n")
        #expect(passed.changes.isEmpty)
        #expect(passed.unfixed.map(\.code) == [.unusedParameter])
    }

    @Test("a fix-it that would introduce a diagnostic is refused and remembered")
    func refusedFixIt() {
        // `sucess_window` is one letter from `success_window`, which is already there: G106's fix-it would make G004.
        let outcome = RepairFixtures.repair(
            "kind: grace\nname: g\nknowledge:\n  success_window: 10s\n  sucess_window: 10s\n")
        #expect(outcome.changes.isEmpty)
        #expect(!outcome.refused.isEmpty)
        #expect(outcome.unfixed.map(\.code) == [.unknownKey])
    }

    @Test("targeting codes repairs only those")
    func targeting() {
        let text = "kind: kernel\nname: api\ncommand: [/bin/true]\ntiers: critical\nlimits: {memory: 256MiBs}\n"
        let outcome = RepairEngine().repair([SourceFile(path: "test.yaml", text: text)], targeting: ["G111"])
        #expect(outcome.changes.map(\.fixes) == [["G111"]])
        #expect(outcome.unfixed.map(\.code) == [.unknownKey])
    }
}
