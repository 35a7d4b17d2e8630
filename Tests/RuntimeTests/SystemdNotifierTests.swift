import Foundation
import Glibc
import Interpreter
import Logging
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

@testable import Runtime

/// Grace under systemd (`Type=notify`): what it sends to its own `NOTIFY_SOCKET`, read from a real AF_UNIX datagram
/// socket bound where systemd's would be.
@Suite("systemd notifier", .timeLimit(.minutes(1)))
struct SystemdNotifierTests {
    @Test("READY=1 only once ready, WATCHDOG=1 at half the interval while the supervisor answers, STOPPING=1 last")
    func lifecycle() async throws {
        let inbox = try DatagramInbox()
        defer { inbox.close() }
        let ready = Flag()
        let notifier = try SystemdNotifier(
            settings: .init(socket: inbox.address, watchdog: .milliseconds(400)), clock: .continuous(),
            logger: Logger(label: "test"), isReady: { ready.value }, isAlive: { true })
        try await testGracefulShutdown { trigger in
            let running = Task { try await notifier.run() }
            // Pings come from the start (systemd ignores them until READY=1), about every 200 ms.
            #expect(await inbox.wait { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 })
            #expect(!inbox.messages.contains { $0.hasPrefix("READY=1") }, "\(inbox.messages)")
            #expect(inbox.messages.first == "STATUS=starting the kernels")

            ready.value = true
            #expect(await inbox.wait { $0.contains("READY=1\nSTATUS=supervising") }, "\(inbox.messages)")
            let pings = inbox.times(of: "WATCHDOG=1")
            // Half of 400 ms: never sooner, and typically on time (a loaded machine may delay one now and then).
            let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }.sorted()
            #expect(gaps.first.map { $0 > 0.15 } == true && gaps[gaps.count / 2] < 0.35, "gaps: \(gaps)")

            notifier.reloading()
            notifier.reloaded()
            trigger.triggerGracefulShutdown()
            try await running.value
        }
        let stopping = "STOPPING=1\nSTATUS=stopping the kernels"
        #expect(await inbox.wait { $0.contains(stopping) }, "\(inbox.messages)")
        let messages = inbox.messages
        #expect(messages.last == stopping, "\(messages)")
        #expect(messages.filter { $0.hasPrefix("READY=1") }.count == 2, "\(messages)")
        let reloading = try #require(messages.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
        #expect(messages[(reloading + 1)...].contains { $0.hasPrefix("READY=1") })
        // Nothing after STOPPING=1: the watchdog loop ended with the component.
        try await Task.sleep(for: .milliseconds(300))
        #expect(inbox.messages.count == messages.count)
    }

    @Test("a supervisor that does not answer gets no watchdog ping, so systemd restarts Grace")
    func stuckSupervisorStopsPings() async throws {
        let inbox = try DatagramInbox()
        defer { inbox.close() }
        let answering = Flag(true)
        let notifier = try SystemdNotifier(
            settings: .init(socket: inbox.address, watchdog: .milliseconds(200)), clock: .continuous(),
            logger: Logger(label: "test"), isReady: { true },
            isAlive: {
                // A stuck actor: the call does not return (until the test ends it by cancellation).
                while !answering.value && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                return !Task.isCancelled
            })
        try await testGracefulShutdown { trigger in
            let running = Task { try await notifier.run() }
            #expect(await inbox.wait { $0.contains("WATCHDOG=1") && $0.contains("READY=1\nSTATUS=supervising") })
            answering.value = false
            try await Task.sleep(for: .milliseconds(150))
            let before = inbox.times(of: "WATCHDOG=1").count
            try await Task.sleep(for: .milliseconds(600))
            #expect(inbox.times(of: "WATCHDOG=1").count == before, "pinged while the supervisor was stuck")
            answering.value = true
            #expect(await inbox.wait { $0.filter { $0 == "WATCHDOG=1" }.count > before }, "pings resume")
            trigger.triggerGracefulShutdown()
            try await running.value
        }
    }

    @Test("no READY=1 around a reload before Grace was ready")
    func reloadBeforeReady() async throws {
        let inbox = try DatagramInbox()
        defer { inbox.close() }
        let notifier = try SystemdNotifier(
            settings: .init(socket: inbox.address, watchdog: nil), clock: .continuous(), logger: Logger(label: "test"),
            isReady: { false }, isAlive: { true })
        notifier.reloading()
        notifier.reloaded()
        try await testGracefulShutdown { trigger in
            let running = Task { try await notifier.run() }
            #expect(await inbox.wait { $0.count == 1 })
            trigger.triggerGracefulShutdown()
            try await running.value
        }
        #expect(await inbox.wait { $0.count == 2 })
        #expect(inbox.messages == ["STATUS=starting the kernels", "STOPPING=1\nSTATUS=stopping the kernels"])
    }

    @Test("settings come from NOTIFY_SOCKET and WATCHDOG_USEC; WATCHDOG_PID of another process means no watchdog")
    func settingsFromEnvironment() {
        #expect(SystemdNotifier.Settings(environment: [:]) == nil)
        #expect(SystemdNotifier.Settings(environment: ["NOTIFY_SOCKET": ""]) == nil)
        let plain = SystemdNotifier.Settings(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"], pid: 7)
        #expect(plain == .init(socket: "/run/systemd/notify", watchdog: nil))
        let watched = SystemdNotifier.Settings(
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], pid: 7)
        #expect(watched == .init(socket: "@sd", watchdog: .seconds(30)))
        let unowned = SystemdNotifier.Settings(
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "8"], pid: 7)
        #expect(unowned?.watchdog == nil)
        let garbage = SystemdNotifier.Settings(environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "soon"], pid: 7)
        #expect(garbage?.watchdog == nil)
    }

    @Test("a socket in the abstract namespace (`@name`) is reached too, as systemd may name it")
    func abstractSocket() throws {
        let inbox = try DatagramInbox(abstract: true)
        defer { inbox.close() }
        #expect(inbox.address.hasPrefix("@"))
        try NotifySender(path: inbox.address).send("READY=1")
        let deadline = Date().addingTimeInterval(5)
        while inbox.messages.isEmpty && Date() < deadline { usleep(10_000) }
        #expect(inbox.messages == ["READY=1"])
        #expect(throws: NotifySocketError.self) { try NotifySender(path: String(repeating: "x", count: 200)) }
    }
}

// MARK: - Helpers

/// A Boolean that a closure and the test share.
private final class Flag: Sendable {
    private let state: Mutex<Bool>
    init(_ value: Bool = false) { state = Mutex(value) }
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
