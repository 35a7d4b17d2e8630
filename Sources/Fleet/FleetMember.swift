import Foundation

/// One instance's part in its fleet: it takes the lease when it may, renews it while it holds it, demotes itself
/// (fences) before the lease can be granted elsewhere, watches the other members, and goes through quarantine.
/// What each change means for the kernels, the journal and the playbooks is the delegate's (`FleetMemberDelegate`,
/// Runtime's `FleetService`); this type only decides.
///
/// Rules, in the spirit of Patroni's leader loop:
/// - On a lease that lapses by itself (etcd), a primary that has not renewed for `ttl - margin` demotes itself at
///   once, whatever its loop is waiting on (a timer armed at each renewal, as Patroni's watchdog): by then a standby
///   may take the lease soon, and a primary must stop serving before that can happen. `margin` is `max(renew, ttl / 3)`; its kernels get half of it to
///   stop before they are killed.
/// - A standby takes a free lease after a delay of 40 ms per present member of higher priority, so that the best
///   standby wins; with `promote: manual` it never does unless a switchover names it.
/// - A standby that sees the holder's renewal older than `ttl` on the same host (a frozen holder keeps the local
///   lock) fences it through the delegate; across hosts the etcd lease lapses by itself.
/// - The member that takes the lease from a holder that is no longer present reports that holder lost; the primary
///   reports standbys whose membership lapsed.
public actor FleetMember {
    /// What this member is configured as.
    public struct Settings: Sendable {
        /// The fleet's name.
        public var fleet: String
        /// This instance's claim (its name, pid, host, state directory, API).
        public var claim: LeaseClaim
        /// This instance's priority; higher is promoted first.
        public var priority: Int
        /// Every instance's priority, by name.
        public var priorities: [String: Int]
        /// The instance declared `role: primary` (takes the lease first at a fleet's start under `promote: manual`).
        public var declaredPrimary: String?
        /// The lease's time to live and renewal interval.
        public var ttl: Duration
        /// How often the holder renews and a standby looks.
        public var renew: Duration
        /// `promote: auto`: a standby takes a free lease by itself.
        public var autoPromote = true
        /// `fence: true`: a standby fences a hung holder on this host.
        public var fence = true
        /// Delay per member of higher priority before a standby takes a free lease.
        public var rankStep: Duration = .milliseconds(40)

        /// Settings for `claim` in `fleet`.
        public init(
            fleet: String, claim: LeaseClaim, priority: Int, priorities: [String: Int], ttl: Duration,
            renew: Duration
        ) {
            self.fleet = fleet
            self.claim = claim
            self.priority = priority
            self.priorities = priorities
            self.ttl = ttl
            self.renew = renew
        }

        /// How long before the lease could lapse a primary that cannot renew demotes itself.
        public var margin: Duration { max(renew, ttl / 3) }
    }

    /// What a member is now.
    public enum Role: String, Sendable, Codable {
        /// Joining: not yet decided.
        case starting
        /// Holds the lease and serves.
        case primary
        /// Does not hold the lease; ready to take it.
        case standby
        /// Out of the fleet until healed and its quarantine time has passed.
        case quarantined
    }

    /// A member's view of its fleet, for `/v1/role`, `/v1/fleet` and the dashboard.
    public struct Status: Sendable {
        /// The fleet's name.
        public var fleet: String
        /// This instance.
        public var instance: String
        /// What this instance is now.
        public var role: Role
        /// The holder of the lease as last seen (this instance when primary).
        public var holder: LeaseHolder?
        /// The members present as last seen.
        public var members: [LeaseClaim]
        /// When a quarantine ends (nil when not quarantined).
        public var quarantinedUntil: Date?
        /// The last result of the quarantine's healing checks.
        public var healReport: String?
        /// When this instance took its current role.
        public var since: Date
        /// The last error the lease backend gave, if the last attempt failed.
        public var backendError: String?
    }

    /// A notice of a quarantine, stored under `quarantine/NAME`.
    struct QuarantineNotice: Codable {
        var until: Date
        var reason: String
        var by: String
    }

    /// A notice of a switchover, stored under `switchover`.
    struct SwitchoverNotice: Codable {
        var to: String
        var from: String
        var deadline: Date
    }

    /// Why a fleet operation was refused.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// What to tell the operator or the playbook.
        public var description: String

        /// A refusal saying `description`.
        public init(description: String) {
            self.description = description
        }
    }

    private let settings: Settings
    private let backend: any LeaseBackend
    private let delegate: any FleetMemberDelegate
    private let clock = ContinuousClock()
    private var role: Role = .starting
    private var token: UInt64?
    private var lastRenewal: ContinuousClock.Instant?
    private var lastHolder: LeaseHolder?
    private var knownMembers: [String: LeaseClaim] = [:]
    private var quarantineUntil: Date?
    private var healed = false
    private var healReport: String?
    private var since = Date()
    private var backendError: String?
    private var lastFenced: (instance: String, token: UInt64)?
    /// The last round saw the lease free and left it (manual promotion, a switchover to another): waiting for a
    /// release would return at once.
    private var leftFree = false
    /// Whether this member has ever seen the lease held (by anyone): until then the fleet is starting cold.
    private var sawHolder = false
    /// Fires `ttl - margin` after the last renewal was sent, unless a later one succeeded: the demotion deadline.
    private var fenceTimer: Task<Void, Never>?

    /// A member of `settings.fleet` on `backend`, acting through `delegate`.
    public init(settings: Settings, backend: any LeaseBackend, delegate: any FleetMemberDelegate) {
        self.settings = settings
        self.backend = backend
        self.delegate = delegate
    }

    /// This member's view now.
    public var status: Status {
        Status(
            fleet: settings.fleet, instance: settings.claim.instance, role: role,
            holder: role == .primary
                ? token.map { LeaseHolder(claim: settings.claim, token: $0, renewedAt: Date()) } : lastHolder,
            members: knownMembers.values.sorted { $0.instance < $1.instance }, quarantinedUntil: quarantineUntil,
            healReport: healReport, since: since, backendError: backendError)
    }

    /// Runs the member until cancelled; on cancellation it gives the lease up (a shutdown is an orderly exit).
    /// `beat` is called after every round (the component's heartbeat).
    public func run(beat: @Sendable () -> Void = {}) async {
        while !Task.isCancelled {
            await step()
            beat()
            if role == .standby, !leftFree {
                await backend.waitForRelease(timeout: settings.renew)
            } else {
                try? await clock.sleep(for: settings.renew)
            }
        }
        // An orderly exit (a shutdown) is not a loss: say so before the membership and the lease go, so that the
        // others neither report it lost nor quarantine it.
        try? await backend.putNotice(
            "left/" + settings.claim.instance, Data(ISO8601DateFormatter().string(from: Date()).utf8))
        fenceTimer?.cancel()
        if role == .primary {
            await delegate.becomeStandby(reason: "shutting down", demotedToken: token ?? 0, within: nil)
            try? await backend.release()
        }
        await backend.close()
    }

    /// One round of the loop: what `run` does every `renew` (a test drives it directly).
    public func step() async {
        switch role {
        case .starting: await start()
        case .primary: await lead()
        case .standby: await follow()
        case .quarantined: await heal()
        }
    }

    // MARK: - Operations (API, playbook steps)

    /// An orderly switchover: this primary names a standby (`to`, or the present standby of highest priority),
    /// demotes itself, and gives the lease up for that standby to take. Returns the chosen standby.
    public func switchover(to target: String?) async throws -> String {
        guard role == .primary else {
            throw Refusal(
                description: "\(settings.claim.instance) is not the primary"
                    + (lastHolder.map { "; \($0.claim.instance) is" } ?? ""))
        }
        let members = (try? await backend.members()) ?? Array(knownMembers.values)
        let candidates = members.map(\.instance).filter { $0 != settings.claim.instance }
        let chosen: String
        if let target {
            guard candidates.contains(target) else {
                throw Refusal(description: "`\(target)` is not a present standby of \(settings.fleet)")
            }
            chosen = target
        } else {
            guard let best = candidates.max(by: { priority($0) < priority($1) }) else {
                throw Refusal(description: "no standby of \(settings.fleet) is present to take over")
            }
            chosen = best
        }
        let notice = SwitchoverNotice(
            to: chosen, from: settings.claim.instance, deadline: Date().addingTimeInterval(seconds(settings.ttl) * 2))
        try await backend.putNotice("switchover", try JSONEncoder().encode(notice))
        await demote("switchover to \(chosen)")
        return chosen
    }

    /// Quarantines `instance` for `duration`: this one at once; another through a notice it acts on when it next
    /// looks (or when it starts again, if it is down).
    public func quarantine(_ instance: String, for duration: Duration, reason: String) async throws {
        let until = Date().addingTimeInterval(seconds(duration))
        let notice = QuarantineNotice(until: until, reason: reason, by: settings.claim.instance)
        try await backend.putNotice("quarantine/" + instance, try JSONEncoder().encode(notice))
        if instance == settings.claim.instance { await enterQuarantine(until: until, reason: reason) }
    }

    /// Ends a quarantine early (an operator's `grace fleet rejoin`): this instance rejoins once its healing checks
    /// pass; another instance's notice is removed.
    public func rejoin(_ instance: String) async throws {
        try await backend.removeNotice("quarantine/" + instance)
        if instance == settings.claim.instance, role == .quarantined {
            quarantineUntil = Date()
            healed = false
        }
    }

    // MARK: - The loop's states

    private func start() async {
        do {
            try await backend.join(settings.claim)
            try await backend.removeNotice("left/" + settings.claim.instance)
            backendError = nil
        } catch {
            backendError = String(describing: error)
            return
        }
        if let notice = await quarantineNotice(), notice.until > Date() {
            await enterQuarantine(until: notice.until, reason: notice.reason)
            return
        }
        become(.standby)
        await delegate.becomeStandby(reason: "joined the fleet", demotedToken: nil, within: nil)
        await follow()
    }

    private func lead() async {
        // The time the renewal is sent: the lease can lapse no sooner than `ttl` after it.
        let sent = clock.now
        do {
            let renewed = try await backend.renew()
            guard role == .primary else { return }  // demoted by the deadline meanwhile
            if renewed {
                lastRenewal = sent
                backendError = nil
                armFence()
            } else {
                await demote("the lease was lost", urgent: true)
                return
            }
        } catch {
            backendError = String(describing: error)
        }
        guard role == .primary else { return }
        if backend.lapses, let last = lastRenewal, clock.now - last > settings.ttl - settings.margin {
            await demote(missedRenewal(since: last), urgent: true)
            return
        }
        if let notice = await quarantineNotice(), notice.until > Date() {
            await enterQuarantine(until: notice.until, reason: notice.reason)
            return
        }
        await watchMembers()
    }

    private func follow() async {
        leftFree = false
        if let notice = await quarantineNotice(), notice.until > Date() {
            await enterQuarantine(until: notice.until, reason: notice.reason)
            return
        }
        let holder: LeaseHolder?
        do {
            holder = try await backend.holder()
            backendError = nil
        } catch {
            backendError = String(describing: error)
            return
        }
        if let holder {
            sawHolder = true
            if holder.claim.instance != settings.claim.instance { lastHolder = holder }
            await fenceIfHung(holder)
            await watchMembers()
            return
        }
        guard let wait = await promotionDelay() else {
            leftFree = true
            return
        }
        if wait > .zero {
            try? await clock.sleep(for: wait)
            if (try? await backend.holder()) != nil { return }
        }
        let acquired: UInt64?
        do {
            acquired = try await backend.acquire(settings.claim)
        } catch {
            backendError = String(describing: error)
            return
        }
        guard let acquired else {
            leftFree = true
            return
        }
        await promote(token: acquired)
    }

    private func heal() async {
        if let holder = try? await backend.holder(), holder.claim.instance != settings.claim.instance {
            lastHolder = holder
        }
        // An operator who ended the quarantine on another instance (`grace fleet rejoin`) removed its notice.
        if await quarantineNotice() == nil, let until = quarantineUntil, until > Date() { quarantineUntil = Date() }
        if !healed {
            let result = await delegate.heal()
            healed = result.passed
            healReport = result.report
        }
        guard healed, let until = quarantineUntil, Date() >= until else { return }
        try? await backend.removeNotice("quarantine/" + settings.claim.instance)
        quarantineUntil = nil
        become(.standby)
        await delegate.rejoined(report: healReport ?? "")
        await delegate.becomeStandby(reason: "rejoined after quarantine", demotedToken: nil, within: nil)
    }

    // MARK: - Transitions

    private func promote(token: UInt64) async {
        sawHolder = true
        let previous = lastHolder
        self.token = token
        lastRenewal = clock.now
        become(.primary)
        armFence()
        try? await backend.removeNotice("switchover")
        await delegate.becomePrimary(token: token, previous: previous)
        let members = (try? await backend.members()) ?? []
        let present = Set(members.map(\.instance))
        if let previous, previous.claim.instance != settings.claim.instance, !present.contains(previous.claim.instance),
            await !hasLeft(previous.claim.instance)
        {
            await delegate.memberLost(previous.claim, wasPrimary: true, token: token)
        }
        lastHolder = nil
        // From now on this primary reports standbys that leave; the old primary has been reported above.
        knownMembers = Dictionary(members.map { ($0.instance, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Steps down. `urgent` (the lease is lost or about to lapse): the kernels get half the margin to stop before
    /// they are killed.
    private func demote(_ reason: String, urgent: Bool = false) async {
        let was = token
        become(.standby)
        token = nil
        lastRenewal = nil
        fenceTimer?.cancel()
        fenceTimer = nil
        // Fence first: the kernels stop before the lease can be granted elsewhere.
        let within = urgent ? max(settings.margin / 2, .milliseconds(100)) : nil
        await delegate.becomeStandby(reason: reason, demotedToken: was ?? 0, within: within)
        try? await backend.release()
    }

    /// Arms the demotion deadline from the last renewal.
    private func armFence() {
        fenceTimer?.cancel()
        guard backend.lapses, let last = lastRenewal else { return }
        let deadline = last + settings.ttl - settings.margin
        fenceTimer = Task { [weak self] in
            try? await ContinuousClock().sleep(until: deadline)
            guard !Task.isCancelled else { return }
            await self?.renewalDeadlinePassed(since: last)
        }
    }

    private func renewalDeadlinePassed(since last: ContinuousClock.Instant) async {
        guard role == .primary, lastRenewal == last else { return }
        await demote(missedRenewal(since: last), urgent: true)
    }

    private func missedRenewal(since last: ContinuousClock.Instant) -> String {
        "could not renew the lease for \(format(clock.now - last)) (ttl \(format(settings.ttl)), "
            + "margin \(format(settings.margin)))"
    }

    private func enterQuarantine(until: Date, reason: String) async {
        let wasPrimary = role == .primary
        fenceTimer?.cancel()
        fenceTimer = nil
        become(.quarantined)
        quarantineUntil = until
        healed = false
        healReport = nil
        // Every kernel stops before the lease is given up (a primary's fencing).
        await delegate.enterQuarantine(until: until, reason: reason)
        if wasPrimary {
            token = nil
            try? await backend.release()
        }
    }

    private func become(_ new: Role) {
        if role != new { since = Date() }
        role = new
    }

    // MARK: - Looking at the others

    /// Fences the holder when its renewals stopped for longer than `ttl` on this host (it is frozen: the kernel
    /// did not release its lock), once per holding.
    private func fenceIfHung(_ holder: LeaseHolder) async {
        guard settings.fence, holder.claim.instance != settings.claim.instance,
            let renewed = holder.renewedAt, Date().timeIntervalSince(renewed) > seconds(settings.ttl),
            holder.claim.host == settings.claim.host
        else { return }
        if let last = lastFenced, last.instance == holder.claim.instance, last.token == holder.token { return }
        // The best present standby fences; the others wait one renewal interval per standby ahead of them, in
        // case that one is stuck too.
        let ahead = await standbysAhead(excluding: holder.claim.instance)
        if ahead > 0, Date().timeIntervalSince(renewed) <= seconds(settings.ttl + settings.renew * ahead) { return }
        lastFenced = (holder.claim.instance, holder.token)
        await delegate.fence(holder)
    }

    /// How long to wait before taking a free lease; nil when this member must not take it now.
    private func promotionDelay() async -> Duration? {
        if let data = try? await backend.notice("switchover"),
            let notice = try? JSONDecoder().decode(SwitchoverNotice.self, from: data), notice.deadline > Date()
        {
            return notice.to == settings.claim.instance ? .zero : nil
        }
        if !settings.autoPromote {
            // Manual promotion: only the declared primary starts a fleet that has never had a holder.
            return lastHolder == nil && settings.declaredPrimary == settings.claim.instance ? .zero : nil
        }
        if !sawHolder {
            // A fleet starting cold: the others may not have joined yet, so every declared instance of higher
            // priority counts, and the declared primary normally wins.
            let ahead = settings.priorities.values.filter { $0 > settings.priority }.count
            return settings.rankStep * max(ahead, await standbysAhead(excluding: nil))
        }
        return settings.rankStep * (await standbysAhead(excluding: lastHolder?.claim.instance))
    }

    /// Present members other than this one and `excluded` (the holder) with a higher priority.
    private func standbysAhead(excluding excluded: String?) async -> Int {
        let members = (try? await backend.members()) ?? []
        return members.filter {
            $0.instance != settings.claim.instance && $0.instance != excluded
                && priority($0.instance) > settings.priority
        }.count
    }

    /// Reports members whose presence lapsed since the last look (only the primary reports standbys).
    private func watchMembers() async {
        guard let members = try? await backend.members() else { return }
        let now = Dictionary(members.map { ($0.instance, $0) }, uniquingKeysWith: { a, _ in a })
        if role == .primary, let token {
            for (name, claim) in knownMembers where now[name] == nil && name != settings.claim.instance {
                if await hasLeft(name) { continue }
                await delegate.memberLost(claim, wasPrimary: false, token: token)
            }
        }
        knownMembers = now
    }

    /// Whether `instance` said it was leaving (an orderly shutdown) before it went.
    private func hasLeft(_ instance: String) async -> Bool {
        (try? await backend.notice("left/" + instance)) != nil
    }

    private func quarantineNotice() async -> QuarantineNotice? {
        guard let data = try? await backend.notice("quarantine/" + settings.claim.instance) else { return nil }
        return try? JSONDecoder().decode(QuarantineNotice.self, from: data)
    }

    private func priority(_ instance: String) -> Int { settings.priorities[instance] ?? 0 }
}

/// What a fleet member's decisions do to this Grace: its kernels, its journal, its playbooks.
public protocol FleetMemberDelegate: Sendable {
    /// This instance is a standby: its primary-only kernels stop (this is the fencing, done before the lease is
    /// given up), its standby kernels run (hot) or stay stopped (warm). `demotedToken` is the token it held when it
    /// was the primary until now (nil when it was not). `within`: how long the kernels may take to stop before they
    /// are killed (the lease is about to lapse); nil for their own stop grace.
    func becomeStandby(reason: String, demotedToken: UInt64?, within: Duration?) async
    /// This instance took the lease with `token`: its kernels start as the primary's and the promotion playbook
    /// runs. `previous` is the holder it took over from, if one was seen.
    func becomePrimary(token: UInt64, previous: LeaseHolder?) async
    /// A member left without handing over: the old primary (seen by its successor) or a standby (seen by the
    /// primary). `token` is the reporting primary's.
    func memberLost(_ claim: LeaseClaim, wasPrimary: Bool, token: UInt64) async
    /// The holder stopped renewing but keeps the lock (it is frozen, on this host): stop it and its kernels.
    func fence(_ holder: LeaseHolder) async
    /// This instance is quarantined until `until`: every kernel stops.
    func enterQuarantine(until: Date, reason: String) async
    /// The quarantine's healing checks in isolation (configuration, journal, snapshots); called until they pass.
    func heal() async -> (passed: Bool, report: String)
    /// The quarantine is over and the checks passed: the instance rejoins as a standby.
    func rejoined(report: String) async
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

private func format(_ d: Duration) -> String {
    let ms = Int64(seconds(d) * 1000)
    return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
}
