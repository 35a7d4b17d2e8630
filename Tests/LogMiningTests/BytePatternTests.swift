import Foundation
import Testing

@testable import LogMining

/// The byte engine must replace exactly what NSRegularExpression replaces, on any ASCII input.
@Suite("BytePattern agrees with NSRegularExpression")
struct BytePatternTests {
    static let patterns = [
        "blk_-?\\d+", "(\\d+\\.){3}\\d+(:\\d+)?", "(\\d+\\.){3}\\d+", "\\b[KGTM]?B\\b", "([\\w-]+\\.){2,}[\\w-]+",
        "core\\.\\d+", "\\d{2}:\\d{2}:\\d{2}", "((\\d+\\.){3}\\d+,?)+", "/.+?\\s", "\\d+", "0x[0-9a-fA-F]+",
        "[^ ]+@[^ ]+", "(?:GET|POST)\\s+\\S+", "a|ab|abc", "x*", "(?P<n>[a-z]+)=\\d{1,3}", "\\bid\\b",
        "[\\]a-c-]+", "\\.\\*\\?", "(ab)*?c", "\\s+$", "^\\w+", "a*ab", "[ab]*b[ab]", "(\\d+\\.)+\\d+", "x*?y",
        "(a|ab)(c|bcd)(d*)", "\\b\\w+\\b:", "[^ ]*=[^ ]*", "<\\d+\\ssec", "[0-9a-f]+", "x+",
        "(/|)(\\d+\\.){3}\\d+(:\\d+)?", "0x.*?\\s", "(/[\\w-]+)+",
        "\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b", "([\\w-]+\\.)+[\\w-]+(:\\d+)?",
        "\\d{2}:\\d{2}(:\\d{2})*", "=\\d+",
    ]

    static let alphabet = Array("ab c1.2-3:_/=\t0x9F@KB]*?xyzGETPOSTid<sec+X0".utf8)

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("every supported pattern compiles to the byte engine")
    func supported() {
        for pattern in Self.patterns {
            #expect(BytePattern(pattern) != nil, "\(pattern)")
        }
    }

    @Test("look-around, back-references, flags and Unicode classes are left to NSRegularExpression")
    func unsupported() {
        for pattern in [
            "(?=a)b", "(?<!x)y", "(a)\\1", "(?i)abc", "\\p{L}+", "a++", "[[:digit:]]", "é", "((a{1000}){1000}){1000}",
        ] {
            #expect(BytePattern(pattern) == nil, "\(pattern)")
        }
    }

    @Test("masking by the byte engine equals masking by NSRegularExpression", arguments: 0..<39)
    func differential(index: Int) throws {
        let mask = try Mask(Self.patterns[index])
        var random = SplitMix(state: UInt64(index) &* 7919 &+ 1)
        for _ in 0..<600 {
            let length = Int.random(in: 0...60, using: &random)
            let bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &random) ?? 0x61 }
            let text = String(decoding: bytes, as: UTF8.self)
            let fast = try #require(mask.fastReplace(in: text))
            #expect(fast == mask.slowReplace(in: text), "\(Self.patterns[index]) on \(text)")
        }
    }

    @Test("non-ASCII text goes to NSRegularExpression")
    func nonASCII() throws {
        let mask = try Mask("\\w+")
        #expect(mask.fastReplace(in: "héllo") == nil)
        #expect(mask.replace(in: "héllo wörld") == "<*> <*>")
    }
}
