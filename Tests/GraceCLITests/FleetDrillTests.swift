import Foundation
import TestSupport
import Testing

/// The fleet end to end: `grace run` (grace-1) and `grace run --instance grace-2` on one copy of the shipped
/// configuration, sharing its local lease; the primary killed, frozen, switched over and quarantined the way an
/// operator's drill does it, with HAProxy following /v1/role. Times are printed (bench/failover records the
/// figures), never asserted.
@Suite("Fleet drills", .serialized, .timeLimit(.minutes(10)))
struct FleetDrillTests {
    /// A copy of the shipped configuration in a git repository, and the instances started on it.
    final class Fleet: @unchecked Sendable {
        let root: URL
        /// Each instance's API port, from the copy's config/fleet.yaml.
        let ports: [String: Int]
        var running: [String: RunningGrace] = [:]

        init() async throws {
            root = try UpCommandTests.copyOfShippedConfiguration()
            try Data("var/\n".utf8).write(to: root.appendingPathComponent(".gitignore"))
            try await AgentDrillTests.Repository.git(["init", "-q"], in: root)
            try await AgentDrillTests.Repository.git(["add", "-A"], in: root)
            try await AgentDrillTests.Repository.git(["commit", "-q", "-m", "the operator's configuration"], in: root)
            let text = try String(contentsOf: root.appendingPathComponent("config/fleet.yaml"), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"name: (grace-[0-9]+),.*api: "127\.0\.0\.1:([0-9]+)""#)
            var ports: [String: Int] = [:]
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let name = Range(match.range(at: 1), in: text), let port = Range(match.range(at: 2), in: text)
                else { continue }
                ports[String(text[name])] = Int(text[port])
            }
            self.ports = ports
        }

        /// Starts `instance` (grace-1 is the grace document's own; the others run with --instance) and waits until
        /// it has joined: primary or standby.
        @discardableResult
        func start(_ instance: String) async throws -> RunningGrace {
            let arguments = instance == "grace-1" ? [] : ["--instance", instance]
            let grace = try RunningGrace(arguments: arguments, in: root)
            running[instance] = grace
            _ = try await grace.waitFor(["healer.started"])
            _ = try await require("\(instance) to join its fleet") {
                while true {
                    if let reply = try? await self.role(instance), reply.role != "standby" || reply.holder != nil {
                        return true
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            return grace
        }

        /// `GET /v1/role` of `instance`: the status, role, lease holder and token.
        func role(_ instance: String) async throws -> (status: Int, role: String?, holder: String?, token: Int?) {
            let reply = try await APIClient.request(
                port: ports[instance] ?? 0, method: "GET", path: "/v1/role", headers: [:], body: nil)
            let object = try reply.object()
            return (reply.status, object["role"] as? String, object["holder"] as? String, object["token"] as? Int)
        }

        /// `grace ARGUMENTS` in the root; its stdout.
        func grace(_ arguments: [String]) async throws -> String {
            let out = try await GraceBinary.run(arguments, in: root)
            #expect(out.status == 0, "grace \(arguments.joined(separator: " ")): \(out.stdout)\(out.stderr)")
            return out.stdout
        }

        /// Stops every instance still running, then the kernels any of them left.
        func finish() async {
            for grace in running.values { await grace.stop() }
            running = [:]
            try? FileManager.default.removeItem(at: root)
        }

        /// A test that failed before `finish()` leaves nothing running either (`defer` cannot await).
        deinit {
            for grace in running.values { _ = grace.terminate() }
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test("kill -9 of the primary's Grace: the standby fences its kernels, takes the lease at once and serves")
    func primaryKilled() async throws {
        let fleet = try await Fleet()
        let first = try await fleet.start("grace-1")
        _ = try await first.waitFor(["fleet.promoted", "instance=grace-1", "token="])
        _ = try await first.waitFor(["kernel.ready", "kernel=api"])
        let second = try await fleet.start("grace-2")
        let standby = try await fleet.role("grace-2")
        #expect(
            standby.status == 503 && standby.role == "standby" && standby.holder == "grace-1",
            "\(String(describing: standby))")
        let primary = try await fleet.role("grace-1")
        #expect(primary.status == 200 && primary.role == "primary", "\(String(describing: primary))")
        let before = second.output.count - 1
        let start = ContinuousClock.now
        await first.kill9()
        let fenced = try await second.waitFor(["fleet.fenced", "instance=grace-1", "kernel"], after: before)
        let promoted = try await second.waitFor(
            ["fleet.promoted", "instance=grace-2", "previous=grace-1 (token \(primary.token ?? 0))"], after: before)
        let tookOver = Self.seconds(ContinuousClock.now - start)
        #expect(fenced.index < promoted.index, "the dead holder's kernels go before the new primary's start")
        _ = try await second.waitFor(["fleet.member_lost", "instance=grace-1", "role=primary"], after: before)
        _ = try await second.waitFor(["trigger.fired", "trigger=primary-lost"], after: before)
        _ = try await second.waitFor(["run.succeeded", "playbook=fail-over-instance"], after: before)
        _ = try await second.waitFor(["kernel.ready", "kernel=api"], after: before)
        let now = try await fleet.role("grace-2")
        #expect(
            now.status == 200 && now.role == "primary" && now.token ?? 0 > primary.token ?? 0,
            "\(String(describing: now))")
        let status = try await fleet.grace(["fleet", "status", "--instance", "grace-2"])
        #expect(status.contains("primary: grace-2"), "\(status)")
        print("drill fleet kill-9: lease taken over in \(tookOver) s")
        await fleet.finish()
    }

    @Test("the primary's Grace frozen (SIGSTOP): the standby sees its renewals stop, fences it and takes over")
    func primaryFrozen() async throws {
        let fleet = try await Fleet()
        let first = try await fleet.start("grace-1")
        _ = try await first.waitFor(["fleet.promoted", "instance=grace-1"])
        let second = try await fleet.start("grace-2")
        let before = second.output.count - 1
        let pid = first.process.processIdentifier
        let start = ContinuousClock.now
        kill(pid, SIGSTOP)
        _ = try await second.waitFor(["fleet.fenced", "instance=grace-1", "pid=\(pid)"], after: before)
        _ = try await second.waitFor(["fleet.promoted", "instance=grace-2"], after: before)
        let tookOver = Self.seconds(ContinuousClock.now - start)
        _ = await first.process.exited()
        #expect(first.process.terminationReason == .uncaughtSignal, "the frozen Grace was killed, not resumed")
        let now = try await fleet.role("grace-2")
        #expect(now.status == 200, "\(String(describing: now))")
        print("drill fleet sigstop: fenced and taken over in \(tookOver) s (ttl 2 s)")
        await fleet.finish()
    }

    @Test("switchover, then quarantine of the old primary: it heals in isolation and rejoins as a standby")
    func switchoverAndQuarantine() async throws {
        let fleet = try await Fleet()
        let first = try await fleet.start("grace-1")
        _ = try await first.waitFor(["fleet.promoted", "instance=grace-1"])
        let second = try await fleet.start("grace-2")
        let mark1 = first.output.count - 1
        let mark2 = second.output.count - 1
        let answer = try await fleet.grace(["fleet", "switchover", "--to", "grace-2"])
        #expect(answer.contains("handing over to grace-2"), "\(answer)")
        let demoted = try await first.waitFor(
            ["fleet.demoted", "instance=grace-1", "reason=switchover to grace-2", "stopped="], after: mark1)
        _ = try await second.waitFor(["fleet.promoted", "instance=grace-2"], after: mark2)
        #expect(
            !second.output.suffix(from: mark2 + 1).contains { $0.contains("fleet.member_lost") },
            "a switchover loses nobody")
        #expect(try await fleet.role("grace-1").status == 503)
        #expect(try await fleet.role("grace-2").status == 200)
        // The new primary quarantines the old one for a second: it stops, checks itself and comes back.
        let out = try await fleet.grace(["fleet", "quarantine", "grace-1", "--for", "1s", "--instance", "grace-2"])
        #expect(out.contains("quarantining grace-1"), "\(out)")
        _ = try await first.waitFor(["fleet.quarantined", "instance=grace-1"], after: demoted.index)
        let rejoined = try await first.waitFor(
            ["fleet.rejoined", "instance=grace-1", "configuration compiles", "journal intact"], after: demoted.index)
        #expect(rejoined.index > demoted.index)
        let role = try await fleet.role("grace-1")
        #expect(
            role.status == 503 && role.role == "standby" && role.holder == "grace-2", "\(String(describing: role))")
        await fleet.finish()
    }

    @Test("HAProxy's check follows /v1/role: the primary's server is up, and after a kill -9 the new one's")
    func haproxyFollowsTheLease() async throws {
        let haproxy = "/usr/sbin/haproxy"
        try #require(
            FileManager.default.isExecutableFile(atPath: haproxy),
            "HAProxy is not installed (Debian package haproxy): run scripts/setup --test")
        let fleet = try await Fleet()
        let first = try await fleet.start("grace-1")
        _ = try await first.waitFor(["kernel.ready", "kernel=api"])
        try await fleet.start("grace-2")
        // The shipped configuration, with this copy's ports: the kernel `api`, each Grace's API, and free ports for
        // the frontend and the stats page.
        let kernels = try String(contentsOf: fleet.root.appendingPathComponent("config/kernels.yaml"), encoding: .utf8)
        let apiPort = try #require(
            kernels.range(of: #"name: api[\s\S]*?ports: \[([0-9]+)\]"#, options: .regularExpression).flatMap {
                Int(kernels[$0].split(separator: "[").last?.dropLast() ?? "")
            })
        var text = try String(
            contentsOf: GraceBinary.repository.appendingPathComponent("dist/haproxy/grace-fleet.cfg"), encoding: .utf8)
        let front = try GraceBinary.freePort()
        text = text.replacingOccurrences(of: "127.0.0.1:8081", with: "127.0.0.1:\(apiPort)")
            .replacingOccurrences(of: "127.0.0.1:7480", with: "127.0.0.1:\(front)")
            .replacingOccurrences(
                of: "    bind 127.0.0.1:7400", with: "    bind 127.0.0.1:\(try GraceBinary.freePort())")
        for (name, port) in fleet.ports {
            let shipped = name == "grace-1" ? 7070 : 7070 + Int(name.dropFirst(6))!
            text = text.replacingOccurrences(of: "check port \(shipped)\n", with: "check port \(port)\n")
        }
        let configuration = fleet.root.appendingPathComponent("haproxy.cfg")
        try Data(text.utf8).write(to: configuration)
        let proxyLog = try RunningGrace(
            command: ["-db", "-f", configuration.path], in: fleet.root, readStandardOutput: false, executable: haproxy)
        defer { _ = proxyLog.terminate() }
        // HAProxy starts with every server up and logs each change of state: the standby's goes down, the
        // primary's stays up.
        _ = try await proxyLog.waitFor(["Server demo-fleet/grace-2 is DOWN", "503"])
        #expect(!proxyLog.output.contains { $0.contains("Server demo-fleet/grace-1 is DOWN") })
        let through = try await APIClient.request(
            port: front, method: "GET", path: "/healthz", headers: [:], body: nil)
        #expect(through.status == 200)
        let mark = proxyLog.output.count - 1
        let start = ContinuousClock.now
        await first.kill9()
        _ = try await proxyLog.waitFor(["Server demo-fleet/grace-1 is DOWN"], after: mark)
        _ = try await proxyLog.waitFor(["Server demo-fleet/grace-2 is UP"], after: mark)
        let moved = Self.seconds(ContinuousClock.now - start)
        _ = try await require("the api kernel to answer through HAProxy again") {
            while true {
                if let reply = try? await APIClient.request(
                    port: front, method: "GET", path: "/healthz", headers: [:], body: nil), reply.status == 200
                {
                    return true
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let serving = Self.seconds(ContinuousClock.now - start)
        print("drill fleet haproxy: server moved in \(moved) s, served again through HAProxy in \(serving) s")
        await fleet.finish()
    }
}
