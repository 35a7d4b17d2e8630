import Testing

@testable import GraceDSL

@Suite("Typed values")
struct ValueTests {
    @Test(
        "durations parse with units, largest first",
        arguments: [("250ms", 250), ("30s", 30_000), ("5m", 300_000), ("1h30m", 5_400_000), ("2d", 172_800_000)])
    func durations(text: String, ms: Int64) {
        #expect(DurationParser.parse(text)?.milliseconds == ms)
    }

    @Test("malformed durations are refused", arguments: ["", "30", "s", "5x", "30s5m", "5m5m", "1.5s", "-1s", " 5s"])
    func badDurations(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test("durations format back to what parses to them", arguments: ["250ms", "30s", "1h30m", "1d", "1m500ms"])
    func durationRoundTrip(text: String) throws {
        let d = try #require(DurationParser.parse(text))
        #expect(DurationParser.parse(DurationParser.format(d)) == d)
    }

    @Test(
        "byte sizes in SI and IEC units",
        arguments: [
            ("512MiB", UInt64(536_870_912)), ("1GB", 1_000_000_000), ("1.5KiB", 1536), ("4096", 4096), ("0B", 0),
        ])
    func sizes(text: String, bytes: UInt64) {
        #expect(ByteSize.parse(text)?.bytes == bytes)
    }

    @Test("malformed sizes are refused", arguments: ["MiB", "12XB", "1..5MB", ".5MB", "-1MB", "10 MiB"])
    func badSizes(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("percentages")
    func percents() {
        #expect(Percent.parse("90%")?.value == 90)
        #expect(Percent.parse("12.5%")?.value == 12.5)
        #expect(Percent.parse("90") == nil)
        #expect(Percent.parse("%") == nil)
    }

    @Test("signals by name with or without SIG")
    func signals() {
        #expect(Signal.parse("SIGTERM")?.number == 15)
        #expect(Signal.parse("hup")?.name == "SIGHUP")
        #expect(Signal.parse("SIGFOO") == nil)
    }

    @Test("cron expressions", arguments: ["*/5 * * * *", "0 3 * * mon-fri", "15,45 */2 1-15 jan-jun 0"])
    func cron(expression: String) {
        #expect(CronExpression.problem(in: expression) == nil)
    }

    @Test(
        "bad cron expressions say why",
        arguments: ["* * * *", "61 * * * *", "*/0 * * * *", "5-1 * * * *", "* * * foo *"])
    func badCron(expression: String) {
        #expect(CronExpression.problem(in: expression) != nil)
    }

    @Test("commands split like a shell, without a shell")
    func commands() {
        #expect(Command.split("sh -c 'echo hi there'") == ["sh", "-c", "echo hi there"])
        #expect(Command.split("a \"b c\" d\\ e") == ["a", "b c", "d e"])
        #expect(Command.split("a 'open") == nil)
    }

    @Test("templates parse placeholders and render them")
    func templates() throws {
        let t = try Template.parse("restart {{ kernel }} for {{event.kernel}}").get()
        #expect(t.placeholders == [["kernel"], ["event", "kernel"]])
        #expect(t.render { $0.joined(separator: ".") == "kernel" ? "api" : "x" } == "restart api for x")
        #expect(try Template.parse("{{ kernel }}").get().singlePlaceholder == ["kernel"])
        #expect((try? Template.parse("{{ kernel").get()) == nil)
        #expect((try? Template.parse("{{ }}").get()) == nil)
        #expect((try? Template.parse("{{ a b }}").get()) == nil)
    }

    @Test("signature patterns match one token per wildcard")
    func signaturePatterns() {
        let p = SignaturePattern("connection to <*> refused after <*> tries")
        #expect(p.matches("connection to 10.0.0.7:5432 refused after 3 tries"))
        #expect(!p.matches("connection to a b refused after 3 tries"))
        #expect(SignaturePattern("id=<*> done").matches("id=42 done"))
        #expect(!SignaturePattern("id=<*> done").matches("key=42 done"))
    }

    @Test("did-you-mean finds near misses only")
    func suggestions() {
        #expect(Suggestion.closest(to: "timout", in: ["timeout", "every"]) == "timeout")
        #expect(Suggestion.closest(to: "evrey", in: ["timeout", "every"]) == "every")
        #expect(Suggestion.closest(to: "banana", in: ["timeout", "every"]) == nil)
    }
}
