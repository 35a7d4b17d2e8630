import Foundation
import GraceDSL
import Interpreter

/// The healer's side of the knowledge base: error lines become `signatureSeen` events, and the outcome of a run
/// that answered an error signature becomes evidence for (or against) binding that playbook to it.
extension Healer {
    /// Which signature a run answers: the one its firing carried (a `signature:` trigger), or the newest
    /// unbound error of its kernel within `attributionWindow`. `trial` when the run tried a learned binding.
    struct Attribution: Sendable {
        let signature: String
        let kernel: String
        let trial: Bool
    }

    func startKnowledge() {
        let store = environment.store
        do {
            recognizer = SignatureRecognizer(graph: graph, saved: try store.miners(), bindings: try store.allBindings())
        } catch {
            logger.error("knowledge base unavailable, errors are not recognised by signature: \(error)")
            return
        }
        seedDeclaredSignatures()
    }

    /// Sightings are written in batches: the first one after a flush schedules the next flush a second later,
    /// so a storm of error lines costs one transaction a second and a quiet Grace never wakes for it.
    func scheduleKnowledgeFlush() {
        guard flushTask == nil, recognizer?.hasPending == true else { return }
        let clock = environment.clock
        flushTask = Task { [weak self] in
            try? await clock.sleep(for: Self.flushDelay)
            await self?.flushScheduled()
        }
    }

    static let flushDelay: Duration = .seconds(1)

    private func flushScheduled() {
        flushTask = nil
        flushKnowledge()
    }

    func seedDeclaredSignatures() {
        let declared = graph.signatures.map {
            (
                name: $0.header.name.value, template: SignatureRecognizer.declaredText($0),
                severity: $0.severity.rawValue, playbook: $0.playbook?.value
            )
        }
        do { try environment.store.seedDeclared(declared) } catch {
            logger.error("cannot seed declared signatures: \(error)")
        }
    }

    /// Writes what the recognizer gathered since the last flush (see `scheduleKnowledgeFlush`).
    func flushKnowledge() {
        guard var recognizer else { return }
        let batch = recognizer.takeBatch()
        self.recognizer = recognizer
        guard !batch.isEmpty else { return }
        let store = environment.store
        do {
            for rename in batch.renames {
                try store.renameSignature(from: rename.old, to: rename.new, template: rename.template)
            }
            try store.recordSightings(batch.sightings)
            for (kernel, state) in batch.miners { try store.saveMiner(kernel: kernel, state: state) }
        } catch {
            logger.error("cannot write to the knowledge base: \(error)")
        }
    }

    func noteSighting(_ sighting: SignatureSighting) {
        lastSighting[sighting.signature + "|" + sighting.kernel] = now
        guard sighting.playbook == nil, sighting.severity >= .error else { return }
        var recent = recentErrors[sighting.kernel] ?? []
        recent.removeAll { $0.signature == sighting.signature || now - $0.at > Self.attributionWindow }
        recent.append((sighting.signature, now))
        recentErrors[sighting.kernel] = Array(recent.suffix(16))
    }

    func attribution(for firing: Firing, arguments: [String: String]) -> Attribution? {
        // A run on a schedule answers no failure: it must not be credited with healing the error it followed
        // (a quarter-hourly snapshot after a restore once became a "learned" fix for corrupt data).
        if let trigger = graph.trigger(firing.trigger), Self.isSchedule(trigger.when.condition) { return nil }
        if let signature = firing.fields["signature"], firing.fields["template"] != nil,
            let kernel = firing.fields["kernel"]
        {
            return Attribution(signature: signature, kernel: kernel, trial: firing.fields["learned"] == "true")
        }
        let kernel =
            firing.fields["kernel"].flatMap { graph.kernel($0) != nil ? $0 : nil }
            ?? arguments.values.sorted().first { graph.kernel($0) != nil }
        guard let kernel, let last = recentErrors[kernel]?.last, now - last.at <= Self.attributionWindow else {
            return nil
        }
        return Attribution(signature: last.signature, kernel: kernel, trial: false)
    }

    /// Whether a condition only keeps time (`every`, `cron`, or `all`/`any` of those).
    static func isSchedule(_ condition: Condition) -> Bool {
        switch condition {
        case .every, .cron: true
        case .all(let parts, _), .any(let parts): parts.allSatisfy { isSchedule($0.condition) }
        default: false
        }
    }

    /// After a run that answered a signature: it healed when it succeeded and, for the success window, the kernel
    /// neither failed nor logged the signature again, and is healthy at the end. A healing run creates the
    /// binding (or strengthens it); a learned binding that did not heal loses confidence and is dropped below
    /// the threshold. A run that merely followed an error and did not heal teaches nothing.
    func judge(_ attribution: Attribution, outcome: PlaybookOutcome) async {
        // A run that handed its kernels to one addressing the cause was not tried: it teaches nothing.
        guard outcome.supersededBy == nil else { return }
        let settings = graph.settings?.knowledge ?? GraceSettings.Knowledge()
        let end = now
        var healed = false
        if outcome.succeeded {
            try? await environment.clock.sleep(for: settings.successWindow)
            if Task.isCancelled { return }
            let key = attribution.signature + "|" + attribution.kernel
            let healthy = await supervisor.isHealthy(attribution.kernel)
            healed =
                healthy && (lastTrouble[attribution.kernel].map { $0 <= end } ?? true)
                && (lastSighting[key].map { $0 <= end } ?? true)
        }
        guard attribution.trial || healed else { return }
        let store = environment.store
        let playbook = outcome.playbook
        do {
            guard
                let (binding, created) = try store.recordOutcome(
                    signature: attribution.signature, playbook: playbook, healed: healed, create: !attribution.trial)
            else { return }
            let verdict = KnowledgeVerdict(
                signature: attribution.signature, playbook: playbook, run: outcome.run, healed: healed,
                successes: binding.successes, failures: binding.failures, expectedSuccess: binding.expectedSuccess,
                template: try store.knownSignature(attribution.signature)?.template)
            journal.append(
                created
                    ? .kbBindingLearned(kernel: attribution.kernel, verdict)
                    : .kbOutcome(kernel: attribution.kernel, verdict))
            if BindingPolicy(settings).shouldDrop(binding) {
                try store.removeBinding(signature: attribution.signature, playbook: playbook)
                journal.append(.kbBindingDropped(kernel: attribution.kernel, verdict))
            }
            recognizer?.update(attribution.signature, bindings: try store.bindings(of: attribution.signature))
        } catch {
            logger.error("cannot record the outcome in the knowledge base: \(error)")
        }
    }
}
