import Foundation
import TestSupport
import Testing

/// The fleet on an etcd lease, end to end: a real etcd 3.4, grace-1 inside a network namespace of its own (a veth
/// pair to the host, where etcd and grace-2 run), cut off by nftables. The primary must fence itself (stop its
/// kernels) before its lease can lapse and be granted to grace-2; after the partition heals it is quarantined (it
/// was lost), rejoins as a standby when an operator ends the quarantine, and takes over again when grace-2 is
/// killed. Needs root, iproute2, nftables and etcd-server (scripts/setup --test installs them).
@Suite("Fleet drills on etcd", .serialized, .timeLimit(.minutes(10)))
struct FleetEtcdDrillTests {
    /// A network namespace joined to the host by a veth pair: host side `.1`, namespace side `.2` of a /30.
    final class Namespace: Sendable {
        let name: String
        let hostAddress: String
        let link: String

        init() async throws {
            let id = Int(getpid() % 200) + 20
            name = "grace-test-\(getpid())"
            link = "gt\(getpid() % 100_000)"
            hostAddress = "10.201.\(id).1"
            let inside = "10.201.\(id).2"
            for command in [
                ["ip", "netns", "add", name],
                ["ip", "link", "add", link + "h", "type", "veth", "peer", "name", link + "n"],
                ["ip", "link", "set", link + "n", "netns", name],
                ["ip", "addr", "add", hostAddress + "/30", "dev", link + "h"],
                ["ip", "link", "set", link + "h", "up"],
                ["ip", "netns", "exec", name, "ip", "addr", "add", inside + "/30", "dev", link + "n"],
                ["ip", "netns", "exec", name, "ip", "link", "set", link + "n", "up"],
                ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
            ] {
                let out = try await GraceBinary.runTool("/usr/bin/env", command, in: URL(fileURLWithPath: "/"))
                try #require(
                    out.status == 0,
                    "\(command.joined(separator: " ")): \(out.stderr) (the drill needs root and iproute2: scripts/setup --test)"
                )
            }
        }

        /// Drops everything the namespace sends to the host: the partition.
        func partition() async throws {
            for command in [
                ["nft", "add", "table", "inet", "grace_partition"],
                [
                    "nft", "add", "chain", "inet", "grace_partition", "out",
                    "{ type filter hook output priority 0 ; policy accept ; }",
                ],
                ["nft", "add", "rule", "inet", "grace_partition", "out", "ip", "daddr", hostAddress, "drop"],
            ] {
                let out = try await GraceBinary.runTool(
                    "/usr/bin/env", ["ip", "netns", "exec", name] + command, in: URL(fileURLWithPath: "/"))
                try #require(out.status == 0, "\(command.joined(separator: " ")): \(out.stderr) (needs nftables)")
            }
        }

        func heal() async throws {
            let out = try await GraceBinary.runTool(
                "/usr/bin/env", ["ip", "netns", "exec", name, "nft", "delete", "table", "inet", "grace_partition"],
                in: URL(fileURLWithPath: "/"))
            #expect(out.status == 0, "\(out.stderr)")
        }

        /// A test that failed before `remove()` leaves no namespace behind either (`defer` cannot await).
        deinit {
            for arguments in [["ip", "link", "delete", link + "h"], ["ip", "netns", "delete", name]] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                if (try? process.run()) != nil { process.waitUntilExit() }
            }
        }

        func remove() async {
            _ = try? await GraceBinary.runTool(
                "/usr/bin/env", ["ip", "link", "delete", link + "h"], in: URL(fileURLWithPath: "/"))
            _ = try? await GraceBinary.runTool(
                "/usr/bin/env", ["ip", "netns", "delete", name], in: URL(fileURLWithPath: "/"))
        }
    }

    /// `fleet.*` entries of a state directory's journal: kind and time.
    static func journal(_ state: URL, in root: URL) async throws -> [(kind: String, time: String, fields: String)] {
        let out = try await GraceBinary.run(
            ["journal", "show", "--state-dir", state.path, "--limit", "100000", "--json"], in: root)
        let entries = (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]]) ?? []
        return entries.compactMap { entry in
            guard let kind = entry["kind"] as? String, kind.hasPrefix("fleet."), let time = entry["time"] as? String
            else { return nil }
            return (kind, time, "\(entry["fields"] ?? "")")
        }
    }

    @Test(
        "partitioned from etcd, the primary fences itself before grace-2 takes over; healed, it is quarantined and rejoins"
    )
    func partitionedPrimary() async throws {
        let etcd = "/usr/bin/etcd"
        try #require(
            FileManager.default.isExecutableFile(atPath: etcd),
            "etcd is not installed (Debian package etcd-server): run scripts/setup --test")
        let namespace = try await Namespace()
        let fleet = try await FleetDrillTests.Fleet()
        // etcd on the host side of the veth, below the ephemeral range.
        let port = 20_000 + Int(getpid() % 5000) * 2
        let data = fleet.root.appendingPathComponent("var/etcd")
        let client = "http://\(namespace.hostAddress):\(port)"
        let server = try RunningGrace(
            command: [
                "--name", "drill", "--data-dir", data.path, "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", "http://127.0.0.1:\(port + 1)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(port + 1)",
                "--initial-cluster", "drill=http://127.0.0.1:\(port + 1)",
            ], in: fleet.root, readStandardOutput: false, executable: etcd)
        defer { _ = server.terminate() }
        _ = try await server.waitFor(["ready to serve client requests"])
        // The demo fleet on this etcd.
        let fleetFile = fleet.root.appendingPathComponent("config/fleet.yaml")
        var text = try String(contentsOf: fleetFile, encoding: .utf8)
        let local = try #require(text.range(of: #"lease: \{backend: local[^}]*\}"#, options: .regularExpression))
        text.replaceSubrange(
            local,
            with: "lease: {backend: etcd, endpoints: [\"\(client)\"], key: /grace/drill-\(getpid()), ttl: 2s, "
                + "renew: 500ms}")
        try Data(text.utf8).write(to: fleetFile)

        // grace-1 in the namespace, grace-2 on the host.
        let first = try RunningGrace(
            command: ["netns", "exec", namespace.name, GraceBinary.path, "run"], in: fleet.root,
            readStandardOutput: false, executable: "/usr/sbin/ip")
        fleet.running["grace-1"] = first
        _ = try await first.waitFor(["fleet.promoted", "instance=grace-1"])
        _ = try await first.waitFor(["kernel.ready", "kernel=api"])
        let second = try await fleet.start("grace-2")
        let before = try await fleet.role("grace-2")
        #expect(before.status == 503 && before.holder == "grace-1", "\(String(describing: before))")

        let mark1 = first.output.count - 1
        let mark2 = second.output.count - 1
        let start = ContinuousClock.now
        try await namespace.partition()
        let demoted = try await first.waitFor(
            ["fleet.demoted", "instance=grace-1", "could not renew the lease"], after: mark1)
        let fenced =
            Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - start).components.seconds)
        _ = try await first.waitFor(["kernel.stopp", "kernel=api"], after: mark1)
        _ = try await second.waitFor(["fleet.promoted", "instance=grace-2"], after: mark2)
        let tookOver =
            Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - start).components.seconds)
        _ = try await second.waitFor(["fleet.member_lost", "instance=grace-1", "role=primary"], after: mark2)
        #expect(demoted.index > mark1)
        // Fencing before promotion, from the journals (one host, one clock): grace-1 stopped serving first.
        let state1 = fleet.root.appendingPathComponent("var/grace")
        let state2 = fleet.root.appendingPathComponent("var/grace-2")
        let demotion = try #require(try await Self.journal(state1, in: fleet.root).last { $0.kind == "fleet.demoted" })
        let promotion = try #require(
            try await Self.journal(state2, in: fleet.root).last { $0.kind == "fleet.promoted" })
        #expect(demotion.time < promotion.time, "demoted at \(demotion.time), grace-2 promoted at \(promotion.time)")
        print(
            "drill fleet etcd partition: grace-1 fenced itself after \(fenced) s, grace-2 primary after \(tookOver) s")

        // The partition heals: grace-1 finds itself quarantined (grace-2's playbooks), then rejoins when told.
        try await namespace.heal()
        _ = try await first.waitFor(["fleet.quarantined", "instance=grace-1"], after: demoted.index)
        _ = try await fleet.grace(["fleet", "rejoin", "grace-1", "--instance", "grace-2"])
        let rejoined = try await first.waitFor(["fleet.rejoined", "instance=grace-1"], after: demoted.index)

        // grace-2 dies: grace-1 takes over once etcd expires grace-2's key.
        let mark = first.output.count - 1
        await second.kill9()
        _ = try await first.waitFor(["fleet.promoted", "instance=grace-1"], after: max(mark, rejoined.index))
        _ = try await first.waitFor(["kernel.ready", "kernel=api"], after: mark)
        await fleet.finish()
        _ = server.terminate()
        await namespace.remove()
    }
}
