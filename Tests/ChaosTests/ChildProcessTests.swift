import Chaos
import Foundation
import Testing

/// The processes a drill starts must not inherit the runner's signal mask: a Swift task's thread blocks SIGTERM,
/// SIGALRM and most others, and stress-ng's `--timeout` (an alarm) then never ended it.
@Suite("drill child processes")
struct ChildProcessTests {
    @Test("a child started from a task blocks no signal")
    func emptySignalMask() async throws {
        let pipe = Pipe()
        let pid = try ChildProcess.spawn(
            ["sh", "-c", "grep -E '^Sig(Blk|Ign):' /proc/self/status"],
            stdout: pipe.fileHandleForWriting.fileDescriptor)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(ChildProcess.wait(pid) == 0)
        let masks = Dictionary(
            uniqueKeysWithValues: text.split(separator: "\n").compactMap { line -> (String, UInt64)? in
                let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let value = UInt64(parts[1], radix: 16) else { return nil }
                return (parts[0], value)
            })
        #expect(masks["SigBlk"] == 0, "\(text)")
        let term: UInt64 = 1 << (UInt64(SIGTERM) - 1)
        let interrupt: UInt64 = 1 << (UInt64(SIGINT) - 1)
        #expect((masks["SigIgn"] ?? term) & (term | interrupt) == 0, "\(text)")
    }

    @Test("a child's own alarm and SIGTERM end it")
    func signalsReachTheChild() async throws {
        // `kill -TERM $$` with SIGTERM blocked would leave the shell to sleep and exit 0.
        let term = try ChildProcess.spawn(["sh", "-c", "kill -TERM $$; sleep 5; exit 0"])
        #expect(ChildProcess.wait(term) == 128 + SIGTERM)
        let alarm = try ChildProcess.spawn(["sh", "-c", "kill -ALRM $$; sleep 5; exit 0"])
        #expect(ChildProcess.wait(alarm) == 128 + SIGALRM)
    }
}
