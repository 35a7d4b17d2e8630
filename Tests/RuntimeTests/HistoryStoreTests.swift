import Foundation
import GraceDSL
import Interpreter
import TestSupport
import Testing

@testable import Runtime

/// The history Grace keeps for replay: written and read back in order, folded into buckets past `raw`, dropped past
/// `retention`, and read back as one metric's samples across both.
@Suite("History in the state database")
struct HistoryStoreTests {
    static let origin = Date(timeIntervalSince1970: 1_790_000_040)  // on a minute: buckets are of the epoch's minutes

    static func samples(_ store: StateStore, from: Int, to: Int, every: Int = 5) throws {
        var records: [HistoryRecord] = []
        for s in stride(from: from, to: to, by: every) {
            records += HistoryRecord.records(
                for: [
                    .metric(kernel: "api", metric: .memory_rss, value: Double(s)),
                    .metric(kernel: "api", metric: .cpu, value: 1),
                    .metric(kernel: nil, metric: .host_cpu, value: Double(s % 60)),
                    .heartbeat(name: "api"),
                ], at: origin.addingTimeInterval(Double(s)))
        }
        try store.appendHistory(records)
    }

    @Test("records come back in time order, with the journal's entries of the same window")
    func readBack() throws {
        let store = try StateStore.inMemoryForTesting()
        try Self.samples(store, from: 0, to: 60)
        try store.append(.kernelHealthy(kernel: "api"), at: Self.origin.addingTimeInterval(30))
        let records = try store.history(from: Self.origin, to: Self.origin.addingTimeInterval(29))
        #expect(records.count == 6 * 3)
        #expect(records.map(\.time) == records.map(\.time).sorted())
        #expect(records.first?.events.first == .metric(kernel: "api", metric: .memory_rss, value: 0))
        let entries = try store.events(from: Self.origin.addingTimeInterval(29), to: Self.origin.addingTimeInterval(31))
        #expect(entries.map(\.kind) == ["kernel.healthy"])
    }

    @Test("past raw, metrics are folded into buckets and everything else goes; past retention the buckets go too")
    func retention() throws {
        let store = try StateStore.inMemoryForTesting()
        try Self.samples(store, from: 0, to: 600)
        let removed = try store.pruneHistory(
            rawBefore: Self.origin.addingTimeInterval(300), rollupsBefore: Self.origin.addingTimeInterval(60),
            every: .seconds(60))
        #expect(removed == 60 * 3)
        let figures = try store.historyFigures()
        #expect(figures.oldestRecord == Self.origin.addingTimeInterval(300))
        // Minutes 1 to 4 of api's memory, host_cpu and cpu are kept; minute 0 fell out of the retention.
        let memory = try store.rollups(
            from: Self.origin, to: Self.origin.addingTimeInterval(600), kernel: "api", metric: "memory_rss")
        #expect(memory.map(\.bucket) == (1...4).map { Self.origin.addingTimeInterval(Double($0 * 60)) })
        let minute = try #require(memory.first)
        #expect(minute.count == 12 && minute.min == 60 && minute.max == 115 && minute.last == 115)
        #expect(abs(minute.mean - 87.5) < 1e-9)
        #expect(try store.rollups(from: Self.origin, to: Self.origin.addingTimeInterval(600), kernel: "").count == 4)

        // One metric's samples: the buckets' maxima before the raw history, then every raw sample.
        let series = try store.metricSamples(
            kernel: "api", metric: .memory_rss, from: Self.origin, to: Self.origin.addingTimeInterval(600))
        #expect(series.prefix(4).map(\.value) == [115, 175, 235, 295])
        #expect(series.dropFirst(4).map(\.value) == stride(from: 300, to: 600, by: 5).map(Double.init))

        // A second prune over a bucket the first left half-folded merges into it.
        try Self.samples(store, from: 600, to: 640)
        try store.pruneHistory(
            rawBefore: Self.origin.addingTimeInterval(630), rollupsBefore: Self.origin, every: .seconds(60))
        let merged = try store.rollups(
            from: Self.origin.addingTimeInterval(600), to: Self.origin.addingTimeInterval(600), kernel: "api",
            metric: "memory_rss")
        #expect(merged.first?.count == 6 && merged.first?.max == 625)
    }
}

/// Found by `grace replay`: an engine made after the runtime clock had run (a reload) scheduled its cron triggers as
/// if the wall clock were that much later.
@Suite("Trigger engines made after boot")
struct LateEngineTests {
    @Test("a cron trigger of an engine made 71 s after boot fires on its minute, not 71 s early")
    func cronAfterReload() throws {
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(
                path: "c.yaml",
                text: """
                    kind: kernel
                    name: api
                    command: [/bin/true]
                    ---
                    kind: playbook
                    name: noop
                    params: {kernel: {type: kernel}}
                    steps: [{restart: "{{ kernel }}"}]
                    ---
                    kind: trigger
                    name: quarter
                    when: {cron: "*/15 * * * *"}
                    run: noop
                    with: {kernel: api}
                    """)
        ])
        let graph = try #require(result.graph, "\(result.diagnostics.map(\.message))")
        let manual = ManualClock()
        let clock = RuntimeClock(manual)
        manual.advance(by: .seconds(71))
        let context = Healer.context(graph, clock: clock)
        // The wall time at offset zero is 71 s ago.
        #expect(abs(Date().timeIntervalSince(context.wallClockOrigin) - 71) < 2)
        let engine = TriggerEngine(graph: graph, context: context, now: clock.elapsedTime)
        let deadline = try #require(engine.nextDeadline())
        let wall = context.wallClockOrigin.addingTimeInterval(Double(deadline.milliseconds) / 1000)
        let second = Int(wall.timeIntervalSince1970.rounded()) % 900
        #expect(second == 0 || second == 899, "the next quarter hour, at \(wall)")
    }
}
