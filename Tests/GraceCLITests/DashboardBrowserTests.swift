import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The live dashboard end to end, in a real headless Chromium: `grace run` serves it, the page shows a kernel,
/// the kernel is killed, and the page shows the restart (new pid, one more restart, the `kernel.exited` event)
/// without a reload, from the SSE stream; then the other panels, a chaos drill reported through the API among them.
/// A screenshot is kept as a test artifact.
@Suite("dashboard in a headless browser", .serialized, .timeLimit(.minutes(10)))
struct DashboardBrowserTests {
    static let artifact = GraceBinary.repository.appendingPathComponent(".build/test-artifacts/dashboard.png")
    static let incidentArtifact = GraceBinary.repository.appendingPathComponent(
        ".build/test-artifacts/incident-timeline.png")

    static func configuration(apiPort: Int, demoPort: Int) throws -> URL {
        let dir = try RunCommandTests.configuration(
            """
            kind: kernel
            name: svc
            command: [/bin/sleep, "1000"]
            ---
            kind: kernel
            name: app
            command: [grace-demo, --name, app, --port, "\(demoPort)", --data, var/demo/app]
            ready: notify
            ---
            kind: playbook
            name: note-exit
            params: {kernel: {type: kernel}}
            steps:
              - name: announce
                notify: "{{ kernel }} exited"
              - name: settle
                wait: 200ms
              - name: check
                wait_healthy: "{{ kernel }}"
                timeout: 10s
            ---
            kind: trigger
            name: svc-exited
            when: {exit: svc}
            run: note-exit
            with: {kernel: "{{ event.kernel }}"}
            ---
            kind: chaos
            name: kill-svc
            inject: {kill: svc}
            expect: {trigger: svc-exited, playbook: note-exit, healthy: [svc], within: 30s}
            ---
            kind: fleet
            name: dash-fleet
            lease: {backend: local, path: var/fleet.lock, ttl: 2s, renew: 500ms}
            instances:
              - {name: dash-1, role: primary, api: "127.0.0.1:\(apiPort)", priority: 10}
              - {name: dash-2, role: hot, api: "127.0.0.1:\(try GraceBinary.freePort())", priority: 5}
            """)
        // Instance dash-1 of a fleet of two (dash-2 is never started): it takes the lease alone, and the fleet panel
        // shows it.
        try GraceBinary.write(
            "kind: grace\nname: dashboard-test\nstate_dir: var/grace\ninstance: dash-1\n"
                + "api: {listen: \"127.0.0.1:\(apiPort)\"}\n",
            to: dir.appendingPathComponent("config/grace.yaml"))
        return dir
    }

    @Test("the page shows a killed kernel's restart and its kernel.exited event live")
    func killedKernelShowsLive() async throws {
        guard let chromium = BrowserSession.executable() else {
            Issue.record(
                """
                chromium is not installed, so the dashboard's browser test cannot run: install Debian's `chromium` \
                (scripts/setup --test does), or point GRACE_CHROMIUM at a Chromium or Chrome binary
                """)
            return
        }
        let apiPort = try GraceBinary.freePort()
        let demoPort = try GraceBinary.freePort()
        let dir = try Self.configuration(apiPort: apiPort, demoPort: demoPort)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: ["--metrics-interval", "1"], in: dir)
        defer { grace.terminate() }
        let log = { grace.output.suffix(40).joined(separator: "\n") }

        let started = try await grace.waitFor(["kernel.started", "kernel=svc"])
        let pid = try #require(RunningGrace.field("pid", in: started.line).flatMap { Int32($0) })
        _ = try await grace.waitFor(["dashboard: http://127.0.0.1:\(apiPort)/"])
        _ = try await grace.waitFor(["kernel.ready", "kernel=app"])

        let browser = try await GraceBinary.offPool { try BrowserSession(executable: chromium) }
        defer { browser.close() }
        let url = "http://127.0.0.1:\(apiPort)/"
        try await GraceBinary.offPool { try browser.open(url) }

        // The kernel's row shows its pid once the first load is done.
        let row = "document.querySelector('#kernel-rows tr[data-kernel=\"svc\"]')"
        let shown = try await GraceBinary.offPool {
            try browser.waitUntil("document.body.dataset.ready === 'true' && \(row).dataset.pid === '\(pid)'")
        }
        try #require(shown, "the page never showed svc with pid \(pid)\n\(browser.diagnostics)\n\(log())")
        let restartsBefore = try await GraceBinary.offPool {
            try browser.evaluate("Number(\(row).dataset.restarts)") as? Int
        }
        let before = try #require(restartsBefore)
        let live = try await GraceBinary.offPool {
            try browser.waitUntil("document.getElementById('conn').dataset.state === 'live'", timeout: 15)
        }
        #expect(live, "the event stream never connected\n\(browser.diagnostics)")

        // kill -9, and Grace restarts it.
        kill(pid, SIGKILL)
        let exited = try await grace.waitFor(["kernel.exited", "kernel=svc"], after: started.index)
        let restarted = try await grace.waitFor(["kernel.started", "kernel=svc"], after: exited.index)
        let newPID = try #require(RunningGrace.field("pid", in: restarted.line))
        #expect(newPID != String(pid))

        // The page shows it, from the stream, without a reload.
        let events = "document.querySelectorAll('#events li')"
        let exitedEvent = "#events li[data-kind=\"kernel.exited\"][data-kernel=\"svc\"]"
        let updated = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                \(row).dataset.pid === '\(newPID)' && Number(\(row).dataset.restarts) > \(before) \
                && document.querySelector('\(exitedEvent)') !== null
                """, timeout: 30)
        }
        let page = try? await GraceBinary.offPool {
            try browser.evaluate(
                """
                JSON.stringify({pid: \(row).dataset.pid, restarts: \(row).dataset.restarts, \
                state: \(row).dataset.state, events: [...\(events)].slice(0, 12).map((e) => e.dataset.kind + ' ' + e.dataset.kernel)})
                """) as? String
        }
        #expect(
            updated, "the page did not show the restart of svc (pid \(newPID)): \(page ?? "?")\n\(browser.diagnostics)")
        // The trigger's playbook run, with a timeline of its three steps.
        let run = "#runs article[data-playbook=\"note-exit\"][data-state=\"succeeded\"]"
        let runShown = try await GraceBinary.offPool {
            try browser.waitUntil(
                "document.querySelectorAll('\(run) .steps li[data-state=\"succeeded\"] .bar').length === 3", timeout: 30
            )
        }
        #expect(runShown, "the page did not show the succeeded run of note-exit\n\(browser.diagnostics)\n\(log())")
        let kind = try await GraceBinary.offPool {
            try browser.evaluate("document.querySelector('\(exitedEvent)').closest('li').dataset.kind") as? String
        }
        #expect(kind == "kernel.exited")

        // The run's incident as a timeline picture: the exit observed, the firing decided, the three steps as bars,
        // the verification and the learning lanes.
        let incident = "document.getElementById('incident')"
        let svgText = "[...document.querySelectorAll('#incident-svg text')].map((t) => t.textContent).join('|')"
        try await GraceBinary.offPool {
            _ = try browser.evaluate("document.querySelector('\(run) button[data-explain]').click()")
        }
        let timelineShown = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                \(incident).open && \(incident).dataset.state === 'shown' \
                && document.querySelectorAll('#incident-svg rect.step[data-state="succeeded"]').length === 3
                """, timeout: 15)
        }
        let labels = try? await GraceBinary.offPool { try browser.evaluate(svgText) as? String }
        try? await GraceBinary.offPool { try browser.screenshot(to: Self.incidentArtifact) }
        #expect(
            timelineShown, "the incident timeline of the run did not show\n\(labels ?? "?")\n\(browser.diagnostics)")
        let text = labels ?? ""
        for label in [
            "observed", "decided", "ran", "verified", "learned", "announce", "settle", "check", "kernel.exited",
            "fired svc-exited",
        ] {
            #expect(text.contains(label), "the incident timeline lacks `\(label)`: \(text)")
        }
        let lanes = try await GraceBinary.offPool {
            try browser.evaluate(
                "[...document.querySelectorAll('#incident-svg g.lane')].map((g) => g.dataset.lane).join(',')")
                as? String
        }
        #expect(lanes == "observed,decided,ran,verified,learned")
        // The same incident, opened from the kernel.exited event.
        try await GraceBinary.offPool {
            _ = try browser.evaluate(
                "\(incident).close(); document.querySelector('\(exitedEvent) button[data-explain]').click()")
        }
        let fromEvent = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                \(incident).open && \(incident).dataset.state === 'shown' \
                && document.getElementById('incident-title').textContent.startsWith('Incident: event') \
                && document.querySelector('#incident-svg g.lane[data-lane="observed"] circle') !== null
                """, timeout: 15)
        }
        #expect(fromEvent, "the incident timeline did not open from the kernel.exited event\n\(browser.diagnostics)")
        try await GraceBinary.offPool { _ = try browser.evaluate("\(incident).close()") }
        // The coding agent's panel read its queue (empty here: nothing asked the agent for anything).
        let agentShown = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                document.getElementById('agent').dataset.available === 'true' \
                && !document.getElementById('agent-empty').hidden \
                && document.getElementById('agent-summary').textContent.includes('0 open')
                """, timeout: 10)
        }
        #expect(agentShown, "the coding agent's panel did not show its empty queue\n\(browser.diagnostics)")

        // Grace's components: every one listed, and an operator's restart of one shown live (component.restarted).
        let watcher = "document.querySelector('#component-rows tr[data-component=\"watcher\"]')"
        let listed = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                document.querySelector('#component-rows tr[data-component="healer"][data-state="running"]') !== null \
                && \(watcher) !== null && \(watcher).dataset.restarts === '0'
                """, timeout: 10)
        }
        #expect(listed, "the components panel did not list the healer and the watcher\n\(browser.diagnostics)")
        let restart = try await GraceBinary.run(["components", "restart", "watcher"], in: dir)
        #expect(restart.status == 0, "\(restart.stdout)\(restart.stderr)")
        let restartShown = try await GraceBinary.offPool {
            try browser.waitUntil("\(watcher).dataset.restarts === '1'", timeout: 15)
        }
        #expect(restartShown, "the components panel did not show the watcher's restart\n\(browser.diagnostics)")

        // The fleet: this instance holds the lease, the other is absent.
        let fleetShown = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                document.querySelector('#fleet:not([hidden])[data-state="primary"][data-holder="dash-1"]') !== null \
                && document.querySelector('#fleet-rows tr[data-instance="dash-1"][data-now="primary"]') !== null \
                && document.querySelector('#fleet-rows tr[data-instance="dash-2"][data-now="absent"]') !== null
                """, timeout: 15)
        }
        #expect(fleetShown, "the fleet panel did not show dash-1 as the primary\n\(browser.diagnostics)")

        // Chaos drills: the graph's scenario is counted, and a drill reported to Grace shows live, first under way,
        // then finished with its status and failed gate.
        let chaosShown = try await GraceBinary.offPool {
            try browser.waitUntil(
                """
                document.querySelector('#chaos:not([hidden])[data-scenarios="1"]') !== null \
                && document.getElementById('chaos-summary').textContent.includes('1 scenario') \
                && !document.getElementById('chaos-empty').hidden
                """, timeout: 15)
        }
        #expect(chaosShown, "the chaos panel did not show the graph's scenario\n\(browser.diagnostics)")
        let token = try String(contentsOf: dir.appendingPathComponent("var/grace/api.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let drillRow = "#chaos-rows tr[data-drill=\"browser-1\"][data-scenario=\"kill-svc\"]"
        let phases = [
            ("started", #"{"drill": "browser-1", "scenario": "kill-svc", "phase": "started", "fault": "kill svc"}"#),
            (
                "failed",
                #"{"drill": "browser-1", "scenario": "kill-svc", "phase": "finished", "fault": "kill svc", "#
                    + #""status": "failed", "deviated": false, "healed_ms": 1500, "gates": [{"gate": "fast", "#
                    + #""check": "time to heal svc", "measured": "1.5s", "threshold": "< 1s", "ok": false}]}"#
            ),
        ]
        for (status, body) in phases {
            let reply = try await APIClient.request(
                port: apiPort, method: "POST", path: "/v1/chaos/drills",
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: Data(body.utf8)
            )
            #expect(reply.status == 201, "\(String(decoding: reply.body, as: UTF8.self))")
            let shown = try await GraceBinary.offPool {
                try browser.waitUntil(
                    "document.querySelector('\(drillRow)[data-status=\"\(status)\"]') !== null", timeout: 15)
            }
            #expect(shown, "the chaos panel did not show the drill as \(status)\n\(browser.diagnostics)")
        }
        let drillText = try await GraceBinary.offPool {
            try browser.evaluate("document.querySelector('\(drillRow)').textContent") as? String
        }
        #expect(
            drillText?.contains("1.5 s") == true && drillText?.contains("time to heal svc") == true,
            "\(drillText ?? "")")
        let rows = try await GraceBinary.offPool {
            try browser.evaluate("document.querySelectorAll('#chaos-rows tr').length") as? Int
        }
        #expect(rows == 1, "the finished drill replaced the one under way")

        // Let the sparklines of the demo kernel fill a little for the picture (not required), then keep it.
        _ = try? await GraceBinary.offPool {
            try browser.waitUntil(
                "document.querySelector('#kernel-rows tr[data-kernel=\"app\"] .spark.mem polyline') !== null",
                timeout: 8)
        }
        let artifact = Self.artifact
        try await GraceBinary.offPool { try browser.screenshot(to: artifact) }
        print("dashboard screenshot: \(artifact.path)")
        #expect(FileManager.default.fileExists(atPath: artifact.path))

        _ = try? await GraceBinary.offPool { browser.close() }
        let status = await grace.stop()
        #expect(status == 0)
    }
}
