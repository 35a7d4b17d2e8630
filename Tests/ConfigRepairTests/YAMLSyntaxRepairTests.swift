import ConfigRepair
import GraceDSL
import Testing

@Suite("YAML syntax repairs")
struct YAMLSyntaxRepairTests {
    @Test("tab indentation becomes spaces at the depth of the block the line is in")
    func tabs() {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\nrestart:\n\tpolicy: always\n")
        #expect(outcome.compiles)
        #expect(outcome.text == "kind: kernel\nname: api\ncommand: [/bin/true]\nrestart:\n  policy: always\n")
        #expect(outcome.changes.first?.summary.contains("G001") == true)
    }

    @Test("an unclosed flow sequence is closed at the end of its line")
    func unclosedSequence() {
        let outcome = RepairFixtures.repair("kind: kernel\nname: api\ncommand: [/bin/sh, -c\nports: [8081]\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("command: [/bin/sh, -c]\n"))
    }

    @Test("an unclosed flow mapping is closed at the end of its line")
    func unclosedMapping() {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\nhealth: {tcp: \"127.0.0.1:8081\", every: 2s\nports: [8081]\n"
        )
        #expect(outcome.compiles)
        #expect(outcome.text.contains("every: 2s}\n"))
    }

    @Test("an unclosed string is closed at the end of its line")
    func unclosedQuote() {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ndescription: \"the public API\ncommand: [/bin/true]\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("description: \"the public API\"\n"))
    }

    @Test("a missing comma in a flow sequence is inserted")
    func missingComma() {
        let outcome = RepairFixtures.repair("kind: kernel\nname: api\ncommand: [/bin/sh, \"-c\" \"exec sleep 1\"]\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("[/bin/sh, \"-c\", \"exec sleep 1\"]"))
    }

    @Test("a key without its colon gets one")
    func keyWithoutColon() {
        let outcome = RepairFixtures.repair("kind: kernel\nname: api\ncommand [/bin/true]\nports: [8081]\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("command: [/bin/true]\n"))
    }

    @Test("a key indented under a list moves to the depth of the key above it")
    func keyIndentation() {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand:\n  - /bin/sh\n  - -c\n  env: {LOG_LEVEL: info}\n")
        #expect(outcome.compiles)
        #expect(outcome.text.hasSuffix("  - -c\nenv: {LOG_LEVEL: info}\n"))
    }

    @Test("of a duplicated key the earlier pair goes, in block and flow mappings")
    func duplicateKeys() {
        let block = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/sh]\nports: [8081]\ncommand: [/bin/true]\n")
        #expect(block.compiles)
        #expect(block.text == "kind: kernel\nname: api\nports: [8081]\ncommand: [/bin/true]\n")
        #expect(block.changes.first?.summary.contains("reads the last one") == true)
        let flow = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\nenv: {LOG_LEVEL: info, PORT: \"8081\", LOG_LEVEL: debug}\n")
        #expect(flow.compiles)
        #expect(flow.text.contains("env: {PORT: \"8081\", LOG_LEVEL: debug}"))
    }
}

@Suite("Run-on keys")
struct RunOnKeyTests {
    @Test("a key without its colon before a flow mapping, read as one long key, gets its colon")
    func runOnKey() {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\n---\nkind: playbook\nname: p\nsteps:\n  - notify: hi\n"
                + "---\nkind: trigger\nname: t\nwhen {every: 30m}\nrun: p\n")
        #expect(outcome.compiles)
        #expect(outcome.text.contains("\nwhen: {every: 30m}\n"))
    }
}
