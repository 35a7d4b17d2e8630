import Chaos
import Foundation
import GraceAPIModels
import GraceDSL

/// A Grace that only knows its kernels' pids: enough for the injector.
struct FakeLink: GraceLink {
    let instance = "grace"
    let pids: [String: Int32]

    func status() async throws -> StatusResponse {
        StatusResponse(
            version: "test", pid: getpid(), instance: nil, role: .standalone, startedAt: Date(), uptimeSeconds: 1,
            configurationHash: "", kernels: .init(total: 0, running: 0, healthy: 0, failed: 0),
            journal: .init(entries: 0, lastID: 0), dashboard: "")
    }

    func kernels() async throws -> [KernelView] {
        pids.map {
            KernelView(
                name: $0.key, state: "running", pid: $0.value, startedAt: nil, uptimeSeconds: nil, restarts: 0,
                healthy: true, paused: false, tier: "standard", metrics: nil,
                history: .init(cpuPercent: [], rssBytes: []))
        }
    }

    func events(after: Int64) async throws -> [EventView] { [] }
    func journalCheck() async throws -> JournalCheckView { .init(intact: true, entries: 0, detail: nil) }
    func record(_ record: DrillRecord) async throws {}
    func snapshot(kernel: String) async throws {}
    func rejoin() async throws {}
    func fleet() async throws -> FleetView { throw ChaosFixture.Failure(description: "no fleet") }
}

struct NoHTTP: ChaosHTTP {
    func get(_ url: String, timeout: Duration) async -> Int? { nil }
    func post(_ url: String) async throws -> Int { 404 }
    func fetch(_ url: String, timeout: Duration) async -> HTTPAnswer? { nil }
}

enum ChaosFixture {
    /// A temporary directory with `files` written into it.
    static func directory(_ files: [String: String] = [:]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    /// The graph of `files` (paths relative to `root`), which must compile.
    static func graph(_ files: [String: String], root: URL) throws -> ExecutionGraph {
        let result = Compiler(options: CompilerOptions(checkExecutables: false, root: root.path))
            .compile(files.map { SourceFile(path: $0.key, text: $0.value) })
        guard let graph = result.graph else {
            throw Failure(description: result.diagnostics.map { "\($0)" }.joined(separator: "\n"))
        }
        return graph
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// This process's open descriptors on the file at `path` (same device and inode), from /proc/self/fd.
    static func descriptors(on path: String) -> [Int32] {
        var file = stat()
        guard stat(path, &file) == 0 else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.filter { fd in
            var open = stat()
            return fstat(fd, &open) == 0 && open.st_dev == file.st_dev && open.st_ino == file.st_ino
        }
    }

    static let kernels = """
        kind: kernel
        name: store
        tier: critical
        command: [sleep, "600"]
        ports: [18182]
        data: [data]
        logs: {format: "<Date> <Time> <Level> <Component>: <Content>"}
        ---
        kind: kernel
        name: api
        tier: critical
        command: [sleep, "600"]
        ---
        kind: kernel
        name: worker
        command: [sleep, "600"]
        ---
        kind: playbook
        name: restart-kernel
        params: {kernel: {type: kernel}}
        steps:
          - name: restart
            restart: "{{ kernel }}"
          - name: healthy
            wait_healthy: "{{ kernel }}"
        ---
        kind: trigger
        name: crashed
        when: {exit: "*"}
        run: restart-kernel
        with: {kernel: "{{ event.kernel }}"}
        ---
        kind: gate
        name: fast
        checks: [{time_to_heal: "*", under: 1m}]
        ---
        kind: chaos
        name: kill-store
        inject: {kill: store}
        expect: {trigger: crashed, playbook: restart-kernel, healthy: [store], within: 30s}
        gates: [fast]
        ---
        kind: chaos
        name: hang-api
        inject: {hang: api}
        expect: {healthy: [api], within: 30s}
        ---
        kind: chaos
        name: corrupt-store
        inject: {corrupt: store}
        expect: {healthy: [store], within: 30s}

        """
}
