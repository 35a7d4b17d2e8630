import Foundation
import TestSupport
import Testing

/// The seed scenarios that need neither the coding agent nor the fleet, each on the shipped configuration from a
/// fresh state directory, with real faults injected through grace-demo's fault endpoints: each ends healthy without
/// a human, through the playbook the configuration means for it.
@Suite("Healing scenarios on the shipped configuration", .serialized, .timeLimit(.minutes(10)))
struct HealingScenarioTests {
    /// A fresh copy of the shipped configuration running under `grace run --allow-partial`, every kernel healthy.
    struct Shipped {
        let root: URL
        let grace: RunningGrace
        let kernels: [String]

        init() async throws {
            try await self.init(root: UpCommandTests.copyOfShippedConfiguration())
        }

        /// Grace on the configuration at `root` (a prepared copy of the shipped one).
        init(root: URL) async throws {
            try await self.init(root: root) { try RunningGrace(arguments: ["--allow-partial"], in: $0) }
        }

        /// Grace on the configuration at `root`, started by `start` (other flags, another way to run it).
        init(root: URL, start: (URL) throws -> RunningGrace) async throws {
            self.root = root
            let graph = try await GraceBinary.run(["graph", "--format", "json"], in: root)
            let object = try JSONSerialization.jsonObject(with: Data(graph.stdout.utf8)) as? [String: Any]
            kernels = try #require(object?["bootOrder"] as? [String], "\(graph.stderr)")
            grace = try start(root)
            for kernel in kernels {
                _ = try await grace.waitFor(["kernel.healthy", "kernel=\(kernel)"])
            }
        }

        /// The port grace-demo serves `kernel` on, as the copy's config/kernels.yaml says.
        func port(of kernel: String) throws -> Int {
            let text = try String(contentsOf: root.appendingPathComponent("config/kernels.yaml"), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: "--name, \(kernel), --port, \"([0-9]+)\"")
            let match = try #require(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)))
            return try #require(Range(match.range(at: 1), in: text).flatMap { Int(text[$0]) })
        }

        /// `POST /fault/NAME?QUERY` to `kernel`.
        func inject(_ fault: String, into kernel: String, query: String = "") async throws {
            let reply = try await APIClient.request(
                port: try port(of: kernel), method: "POST",
                path: "/fault/\(fault)" + (query.isEmpty ? "" : "?\(query)"),
                headers: [:], body: nil)
            #expect(reply.status == 200 || reply.status == 202, "\(String(decoding: reply.body, as: UTF8.self))")
        }

        /// `grace explain RUN` as text and as JSON: the text, the decision's evidence by key and the kinds observed.
        func explain(_ run: String) async throws -> (
            text: String, evidence: [String: String]?, observed: [String]
        ) {
            let text = try await GraceBinary.run(["explain", run], in: root)
            #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
            let json = try await GraceBinary.run(["explain", run, "--json"], in: root)
            #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let decision = object?["decision"] as? [String: Any]
            let items = decision?["evidence"] as? [[String: Any]]
            let evidence = items.map { list in
                Dictionary(
                    list.compactMap { item in
                        (item["key"] as? String).flatMap { key in (item["value"] as? String).map { (key, $0) } }
                    }, uniquingKeysWith: { a, _ in a })
            }
            let observed = (object?["observations"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
            return (text.stdout, evidence, observed)
        }

        /// Ends Grace and checks that the journal it leaves verifies.
        func finish() async throws {
            let status = await grace.stop()
            #expect(status == 0, "\(grace.output.suffix(30).joined(separator: "\n"))")
            let verify = try await GraceBinary.run(["journal", "verify"], in: root)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            try? FileManager.default.removeItem(at: root)
        }
    }

    @Test("a crashed kernel: heal-crashed-kernel runs and the kernel is healthy again")
    func crash() async throws {
        let shipped = try await Shipped()
        defer { shipped.grace.terminate() }
        let before = shipped.grace.output.count - 1
        try await shipped.inject("crash", into: "api", query: "how=exit&code=3")
        let exited = try await shipped.grace.waitFor(["kernel.exited", "kernel=api", "code=3"], after: before)
        let run = try await shipped.grace.waitFor(
            ["run.succeeded", "playbook=heal-crashed-kernel"], after: exited.index)
        _ = try await shipped.grace.waitFor(["kernel.healthy", "kernel=api"], after: exited.index)
        #expect(run.index > exited.index)
        // `grace explain` on the healing run names the evidence: the exit observed and the exit code the firing saw.
        let runID = try #require(RunningGrace.field("run", in: run.line))
        let explained = try await shipped.explain(runID)
        #expect(explained.text.contains("kernel.exited api: exited"), "\(explained.text)")
        #expect(explained.text.contains("exit code 3"), "\(explained.text)")
        #expect(explained.text.contains("heal-crashed-kernel"), "\(explained.text)")
        let evidence = try #require(explained.evidence)
        #expect(evidence["code"] == "3", "\(evidence)")
        #expect(explained.observed.contains("kernel.exited"), "\(explained.observed)")
        try await shipped.finish()
    }

    @Test("corrupt data: the baseline taken when store was first healthy is restored, before any routine restart")
    func corruption() async throws {
        let shipped = try await Shipped()
        defer { shipped.grace.terminate() }
        // The baseline exists from the first minute, not from the hourly schedule.
        let baseline = try await shipped.grace.waitFor(["snapshot.created", "kernel=store", "reason=baseline"])
        try await shipped.inject("corrupt", into: "store")
        let restored = try await shipped.grace.waitFor(
            ["snapshot.restored", "kernel=store"], after: baseline.index)
        _ = try await shipped.grace.waitFor(["kernel.healthy", "kernel=store"], after: restored.index)
        _ = try await shipped.grace.waitFor(
            ["run.succeeded", "playbook=restore-corrupted-data"], after: restored.index)
        let after = shipped.grace.output[baseline.index...]
        // No routine run restarted store in a loop while the restore waited: at most one began, and it handed over.
        let routine = after.filter { $0.contains("run.started") && $0.contains("playbook=heal-hung-kernel") }
        #expect(routine.count <= 1, "\(routine)")
        try await shipped.finish()
    }

    @Test("memory saturation: relieve-memory-pressure snapshots and restarts api, which is healthy again")
    func saturation() async throws {
        let shipped = try await Shipped()
        defer { shipped.grace.terminate() }
        let before = shipped.grace.output.count - 1
        // api-memory-pressure: above 160MiB resident for 20s.
        try await shipped.inject("leak", into: "api", query: "mb=16&every=100ms&max=220")
        let fired = try await shipped.grace.waitFor(
            ["trigger.fired", "trigger=api-memory-pressure"], after: before)
        let run = try await shipped.grace.waitFor(
            ["run.succeeded", "playbook=relieve-memory-pressure"], after: fired.index)
        _ = try await shipped.grace.waitFor(["kernel.healthy", "kernel=api"], after: fired.index)
        #expect(run.index > fired.index)
        // `grace explain` on the healing run names the evidence: the memory value the condition saw, its threshold
        // and window, and the samples of the excursion.
        let runID = try #require(RunningGrace.field("run", in: run.line))
        let explained = try await shipped.explain(runID)
        let evidence = try #require(explained.evidence)
        let value = try #require(evidence["value"], "\(evidence)")
        #expect(explained.text.contains("value \(value)"), "\(explained.text)")
        #expect(evidence["threshold"] == "> 160MiB", "\(evidence)")
        #expect(evidence["for"] == "20s", "\(evidence)")
        #expect(Int(evidence["samples"] ?? "") ?? 0 >= 2, "\(evidence)")
        // And the samples themselves, from the history Grace keeps.
        #expect(explained.text.contains(" of memory_rss, min "), "\(explained.text)")
        for key in ["threshold", "max", "samples"] {
            #expect(explained.text.contains(try #require(evidence[key])), "\(key): \(explained.text)")
        }
        #expect(explained.text.contains("api-memory-pressure"), "\(explained.text)")
        #expect(explained.text.contains("relieve-memory-pressure"), "\(explained.text)")
        try await shipped.finish()
    }

    @Test("every kernel killed once: each is back, and no restart loop is seen in five single restarts")
    func eachKilledOnce() async throws {
        let shipped = try await Shipped()
        defer { shipped.grace.terminate() }
        let before = shipped.grace.output.count - 1
        for kernel in shipped.kernels {
            // Its current process: the last start journaled for it.
            let started = try #require(
                shipped.grace.output.last { $0.contains("kernel.started") && $0.contains("kernel=\(kernel) ") })
            let pid = try #require(RunningGrace.field("pid", in: started).flatMap { Int32($0) })
            let mark = shipped.grace.output.count - 1
            #expect(kill(pid, SIGKILL) == 0)
            _ = try await shipped.grace.waitFor(["kernel.exited", "kernel=\(kernel)", "signal=SIGKILL"], after: mark)
            _ = try await shipped.grace.waitFor(["kernel.started", "kernel=\(kernel)"], after: mark)
        }
        for kernel in shipped.kernels {
            _ = try await shipped.grace.waitFor(["kernel.healthy", "kernel=\(kernel)"], after: before)
        }
        // heal-crashed-kernel answers each exit; every one of them ends (kernel-crashed coalesces within 5s).
        let healed = shipped.grace.output[before...].filter { $0.contains("playbook=heal-crashed-kernel") }
        #expect(!healed.isEmpty)
        let loops = shipped.grace.output.filter {
            $0.contains("trigger=kernel-restart-loop") || $0.contains("playbook=break-restart-loop")
        }
        #expect(loops.isEmpty, "\(loops)")
        try await shipped.finish()
    }
}
