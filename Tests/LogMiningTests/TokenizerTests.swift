import Testing

@testable import LogMining

@Suite("Tokenizer: what is a variable before any grouping")
struct TokenizerTests {
    @Test(
        "values are recognised by their shape",
        arguments: [
            ("took 12 ms", "took <*> ms"),
            ("open /var/lib/x.db", "open <*>"),
            ("open C:\\Windows\\x.dll", "open <*>"),
            ("rhost=example.org user=root", "rhost=<*> user=root"),
            ("size=1024 mode=fast", "size=<*> mode=fast"),
            ("at Sun Jul 10 03:55:15 2005", "at <*> <*> <*> <*> <*>"),
            ("from host () ok", "from host <*> ok"),
            ("(estimated size 3.2 KB, free 512 B)", "(estimated size <*> <*> free <*> <*>"),
            ("served by web-1.example.com.", "served by <*>"),
            ("chrome.exe started", "<*> started"),
            ("action:android.intent.SCREEN_ON", "action:android.intent.SCREEN_ON"),
            ("Instance destroyed successfully.", "Instance destroyed successfully."),
            ("blk_<*> deleted", "<*> deleted"),
            ("  spaced \t out  ", "spaced out"),
            ("", ""),
        ])
    func shapes(input: String, expected: String) {
        #expect(Tokenizer.key(input, digitsAreVariables: true) == expected)
    }

    @Test(
        "joining value runs: consecutive variables are one, unless the line has no constant token",
        arguments: [
            ("at Sun Jul 10 03:55:15 2005 done", "at <*> done"),
            ("(estimated size 3.2 KB, free 512 B)", "(estimated size <*> free <*>"),
            ("copy C:\\Program Files\\x.exe to /srv/My Files/x.exe", "copy <*> to <*>"),
            ("rhost=10.0.0.1 10.0.0.2 user=root", "rhost=<*> <*> user=root"),
            ("10.0.0.1 22 -", "<*> <*> <*>"),
            ("GET /v2/servers/detail?all_tenants=True HTTP/1.1", "GET <*>"),
            ("", ""),
        ])
    func valueRuns(input: String, expected: String) {
        #expect(Tokenizer.key(input, digitsAreVariables: true, joiningValueRuns: true) == expected)
    }

    @Test("a path or URL with a query is a value, not a key=value pair")
    func pathQuery() {
        #expect(Tokenizer.key("GET /detail?all=True", digitsAreVariables: true) == "GET <*>")
        #expect(Tokenizer.key("mode=fast", digitsAreVariables: true) == "mode=fast")
        #expect(Tokenizer.key("file=/etc/x", digitsAreVariables: true) == "file=<*>")
    }

    @Test("without value detection only masks make variables")
    func masksOnly() {
        #expect(Tokenizer.key("took 12 ms at <*>", digitsAreVariables: false) == "took 12 ms at <*>")
    }

    @Test("a key splits back into its tokens")
    func tokens() {
        #expect(Tokenizer.tokens(ofKey: "a <*> b") == ["a", "<*>", "b"])
        #expect(Tokenizer.tokens(ofKey: "") == [])
    }

    @Test("a combining mark after a space starts a token, it does not join two")
    func combiningMarkAfterSpace() {
        let key = Tokenizer.key("request \u{0592}s on /var/demo/state.db", digitsAreVariables: true)
        #expect(key == "request \u{0592}s on <*>")
        #expect(Tokenizer.tokens(ofKey: key) == ["request", "\u{0592}s", "on", "<*>"])
    }
}
