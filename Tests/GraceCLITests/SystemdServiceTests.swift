import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `grace run` as systemd runs it with dist/systemd/grace.service (`Type=notify`, `WatchdogSec=`): the environment
/// systemd gives it, and a datagram socket where systemd's notify socket would be.
@Suite("grace run as a systemd notify service", .timeLimit(.minutes(2)))
struct SystemdServiceTests {
    @Test("READY=1 once the kernels are started and the API answers, watchdog pings, RELOADING=1 on SIGHUP, STOPPING=1")
    func notifyService() async throws {
        let inbox = try DatagramInbox()
        defer { inbox.close() }
        let directory = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try GraceBinary.freePort()
        try GraceBinary.write(
            "kind: grace\nname: unit\nstate_dir: var/grace\napi: {listen: \"127.0.0.1:\(port)\"}\n",
            to: directory.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(
            """
            kind: kernel
            name: first
            command: [/bin/sh, -c, "env > first.env; exec sleep 1000"]
            ---
            kind: kernel
            name: second
            command: [/bin/sleep, "1000"]
            depends_on: [first]
            """, to: directory.appendingPathComponent("config/kernels.yaml"))
        // `exec` keeps the shell's pid, so WATCHDOG_PID names Grace, as systemd's does.
        let grace = try RunningGrace(
            command: ["-c", #"WATCHDOG_PID=$$ exec "$0" run"#, GraceBinary.path], in: directory,
            readStandardOutput: false, executable: "/bin/sh",
            environment: ["NOTIFY_SOCKET": inbox.address, "WATCHDOG_USEC": "1000000"])
        defer { grace.terminate() }
        let log = { grace.output.suffix(30).joined(separator: "\n") + "\nnotified: \(inbox.messages)" }

        let ready = "READY=1\nSTATUS=supervising"
        #expect(await inbox.wait(timeout: .seconds(30)) { $0.contains(ready) }, "\(log())")
        #expect(inbox.messages.first == "STATUS=starting the kernels", "\(log())")
        // Ready means booted and reachable: the API answers, and both kernels were started (second after first).
        let status = try await APIClient.request(port: port, method: "GET", path: "/v1/status", headers: [:], body: nil)
        #expect(status.status == 200)
        let kernels = try #require(try status.object()["kernels"] as? [String: Any])
        #expect(kernels["running"] as? Int == 2, "\(kernels)")

        // Every 500 ms, half of WATCHDOG_USEC.
        #expect(await inbox.wait { $0.filter { $0 == "WATCHDOG=1" }.count >= 2 }, "\(log())")

        // The kernels get Grace's own notify socket, and none of the watchdog variables systemd gave Grace.
        let environment = try String(contentsOf: directory.appendingPathComponent("first.env"), encoding: .utf8)
            .split(separator: "\n")
        #expect(!environment.contains { $0.hasPrefix("WATCHDOG_") }, "\(environment)")
        let socket = environment.first { $0.hasPrefix("NOTIFY_SOCKET=") }
        #expect(socket != nil && socket != "NOTIFY_SOCKET=\(inbox.address)", "\(environment)")

        kill(grace.process.processIdentifier, SIGHUP)
        #expect(
            await inbox.wait {
                guard let reloading = $0.firstIndex(where: { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }) else {
                    return false
                }
                return $0[(reloading + 1)...].contains(ready)
            }, "\(log())")

        let exit = await grace.stop()
        #expect(exit == 0, "\(log())")
        #expect(await inbox.wait { $0.contains("STOPPING=1\nSTATUS=stopping the kernels") }, "\(log())")
    }
}
