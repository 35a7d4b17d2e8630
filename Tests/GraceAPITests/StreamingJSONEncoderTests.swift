import Foundation
import GraceAPIModels
import Testing

/// The server's one-pass JSON encoder: what it writes is JSON that Foundation reads back to the same values, in the
/// order the types write their keys.
@Suite("Streaming JSON encoder")
struct StreamingJSONEncoderTests {
    static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StreamingJSONEncoder().encode(value), as: UTF8.self)
    }

    static func roundTrip<T: Codable & Equatable>(_ value: T) throws {
        let bytes = try StreamingJSONEncoder().encode(value)
        #expect(
            try APIJSON.decoder().decode(T.self, from: Data(bytes)) == value,
            "\(String(decoding: bytes, as: UTF8.self))")
    }

    static let time = Date(timeIntervalSince1970: 1_796_468_920.768)

    @Test("every API model reads back as what was written")
    func models() throws {
        let step = RunView.Step(
            index: 0, name: "restart", action: "restart", state: "failed", startedAt: Self.time, finishedAt: nil,
            durationMS: nil, attempts: 2, detail: nil, error: "timed out\nafter 3 s")
        try Self.roundTrip(
            RunsResponse(runs: [
                RunView(
                    id: "r1", playbook: "heal", trigger: nil, state: "running", startedAt: Self.time, finishedAt: nil,
                    durationMS: 12.5, arguments: ["kernel": "api", "b": "\"quoted\""], error: nil, steps: [step])
            ]))
        try Self.roundTrip(
            KernelsResponse(kernels: [
                KernelView(
                    name: "api", state: "running", pid: 42, startedAt: Self.time, uptimeSeconds: 1.5, restarts: 0,
                    healthy: nil, paused: false, tier: "critical",
                    metrics: .init(cpuPercent: 0.25, rssBytes: 1 << 40, openFDs: 9, threads: 3, sampledAt: Self.time),
                    history: .init(cpuPercent: [0, 1.5], rssBytes: []))
            ]))
        try Self.roundTrip(
            ErrorResponse(error: .init(code: "unprocessable", message: "refused", diagnostics: ["a.yaml:1:1: x"])))
        try Self.roundTrip(
            EventsPage(
                events: [
                    EventView(id: 7, time: Self.time, kind: "kernel.exited", kernel: nil, fields: ["é": "\u{2028}\t"])
                ], nextAfter: 7))
        try Self.roundTrip(
            StatusResponse(
                version: "0.1.0", pid: 4242, instance: nil, role: .standby, startedAt: Self.time, uptimeSeconds: 3,
                configurationHash: "abc", kernels: .init(total: 1, running: 1, healthy: 0, failed: 0),
                journal: .init(entries: 5, lastID: 5), dashboard: "http://127.0.0.1:7070/"))
    }

    @Test("keys in the order the type writes them, dictionaries sorted, nulls written, nothing escaped twice")
    func shape() throws {
        let event = EventView(id: 1, time: Self.time, kind: "k", kernel: nil, fields: ["b": "2", "a": "1/\"x\""])
        #expect(
            try Self.text(event)
                == #"{"id":1,"time":"2026-12-05T11:08:40.768Z","kind":"k","kernel":null,"fields":{"a":"1/\"x\"","b":"2"}}"#
        )
        #expect(try Self.text([1.5, 2, Double.nan, -0.25]) == "[1.5,2,null,-0.25]")
        #expect(try Self.text("a\u{1}b\u{2029}") == #""a\u0001b\u2029""#)
        #expect(try Self.text([String: Int]()) == "{}")
        #expect(try Self.text([[String]]([[], ["x"]])) == #"[[],["x"]]"#)
    }

    /// A type with nested containers, written in an order that closes a nested one before the next key.
    struct Nested: Encodable {
        enum Keys: String, CodingKey { case a, b, c }
        enum Inner: String, CodingKey { case x }

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var inner = outer.nestedContainer(keyedBy: Inner.self, forKey: .a)
            try inner.encode(1, forKey: .x)
            var list = outer.nestedUnkeyedContainer(forKey: .b)
            try list.encode("one")
            try list.encodeNil()
            try outer.encode(true, forKey: .c)
        }
    }

    @Test("nested containers are closed before their parent's next key")
    func nested() throws {
        #expect(try Self.text(Nested()) == #"{"a":{"x":1},"b":["one",null],"c":true}"#)
    }
}
