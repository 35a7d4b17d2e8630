import Foundation
import Glibc
import Testing

@testable import Runtime

@Suite("Commands run by Grace", .timeLimit(.minutes(5)))
struct ProcessCommandRunnerTests {
    let runner: ProcessCommandRunner

    init() throws {
        runner = ProcessCommandRunner(
            locator: ExecutableLocator(root: "/", toolDirectories: []), reaper: SupervisorTests.reaper,
            reactor: SupervisorTests.reactor)
    }

    @Test("stdout and stderr are read on the reactor, interleaved, with the exit status")
    func output() async throws {
        let outcome = try await runner.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
        #expect(outcome == CommandOutcome(status: 3, output: "out\nerr\n"))
    }

    @Test("output past the limit is read and dropped, so the command never blocks on a full pipe")
    func limit() async throws {
        var limited = runner
        limited.outputLimit = 10
        let outcome = try await limited.run(
            ["/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"], timeout: .seconds(30))
        #expect(outcome == CommandOutcome(status: 0, output: String(repeating: "x", count: 10)))
    }

    @Test("a command past its timeout is killed and reported as timed out")
    func timeout() async throws {
        let outcome = try await runner.run(["/bin/sleep", "30"], timeout: .milliseconds(200))
        #expect(outcome.timedOut)
        #expect(outcome.signal == SIGKILL)
    }
}
