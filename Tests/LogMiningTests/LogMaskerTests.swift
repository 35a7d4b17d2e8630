import Foundation
import Testing

@testable import LogMining

@Suite("LogMasker: declared variables become <*>")
struct LogMaskerTests {
    @Test("each mask replaces its matches in order")
    func masks() throws {
        let masker = try LogMasker(patterns: ["blk_-?\\d+", "(\\d+\\.){3}\\d+(:\\d+)?"])
        #expect(
            masker.mask("Served block blk_-4123 to /10.250.19.102:50010 and blk_7")
                == "Served block <*> to /<*> and <*>")
        #expect(masker.mask("nothing to mask") == "nothing to mask")
        #expect(masker.mask("") == "")
    }

    @Test("a later mask sees what the earlier ones left")
    func order() throws {
        let masker = try LogMasker(patterns: ["((\\d+\\.){3}\\d+,?)+", "/.+?\\s", "\\d+"])
        #expect(
            masker.mask("10.11.10.1 \"GET /v2/54fa/servers/detail HTTP/1.1\" status: 200 len: 1893")
                == "<*> \"GET <*>HTTP<*>status: <*> len: <*>")
    }

    @Test("non-ASCII text is masked by character, not by byte")
    func unicode() throws {
        let masker = try LogMasker(patterns: ["\\d+"])
        #expect(masker.mask("café 42 naïve ٣") == "café <*> naïve <*>")
    }

    @Test("a mask that backtracks without end costs bounded time on ASCII lines")
    func catastrophic() throws {
        // No wall-clock limit (shared machines): 2^40 backtracking steps would not finish at all, so finishing
        // with the line unmasked is the test.
        let masker = try LogMasker(patterns: ["(a+)+b"])
        #expect(masker.mask(String(repeating: "a", count: 40)).count == 40)
    }

    @Test("an invalid regular expression is refused and named")
    func invalid() {
        #expect(throws: LogMiningError.invalidMask(pattern: "(unclosed", reason: "not a valid regular expression")) {
            try LogMasker(patterns: ["(unclosed"])
        }
    }
}
