import Foundation

extension Checker {
    func checkTriggers() {
        for trigger in table.triggersInOrder {
            let name = trigger.header.name.value
            checkCondition(trigger.when)
            if let run = trigger.run, resolve(run, kind: .playbook, context: "trigger `\(name)`"),
                let playbook = table.playbooks[run.value]
            {
                checkArguments(
                    trigger.with, to: playbook,
                    scope: .trigger(trigger.when.condition, signatures: { table.signatures[$0] }),
                    missingAt: trigger.withKeySpan ?? run.span, caller: "trigger `\(name)`")
            } else if trigger.run == nil {
                // `signature: known`: arguments go to whichever playbook is bound; only templates can be checked.
                var used: Set<String> = []
                for argument in trigger.with {
                    if let text = argument.value.text, Template.looksTemplated(text) {
                        checkTemplate(
                            Located(text, at: argument.value.span),
                            scope: .trigger(trigger.when.condition, signatures: { table.signatures[$0] }), used: &used)
                    }
                }
            }
        }
    }

    private func cannotFire(_ span: SourceSpan, _ message: String, notes: [Note] = []) {
        sink.emit(.triggerCannotFire, message, at: span, notes: notes)
    }

    /// The kernel a condition is about, when it names one; checks it exists and is enabled.
    private func checkKernelRef(_ ref: Located<String>?, allowWildcard: Bool = true) -> Kernel? {
        guard let ref else { return nil }
        guard resolve(ref, kind: .kernel, allowWildcard: allowWildcard) else { return nil }
        guard let kernel = table.kernels[ref.value] else { return nil }
        if !kernel.enabled {
            cannotFire(
                ref.span, "kernel `\(ref.value)` is disabled, so this condition can never fire",
                notes: [Note("disabled here", at: kernel.header.name.span)])
        }
        return kernel
    }

    func checkCondition(_ node: ConditionNode) {
        switch node.condition {
        case .exit(let target, _, let signals, _):
            _ = checkKernelRef(target)
            if signals.contains(where: { $0.name == "SIGSTOP" || $0.name == "SIGCONT" }) {
                cannotFire(node.valueSpan, "SIGSTOP and SIGCONT pause and resume a process; they never end it")
            }
        case .health(let target, _):
            if let kernel = checkKernelRef(target), kernel.health == nil {
                cannotFire(
                    target.span, "kernel `\(target.value)` declares no `health` probe, so it never fails one",
                    notes: [Note("kernel defined here", at: kernel.header.name.span)])
            }
        case .silence(let target, let within):
            // A kernel may share a component's name (`api`); the kernel wins, as it is the user's own.
            if GraceSettings.componentNames.contains(target.value) && !table.contains(target.value, kind: .kernel) {
                let graceUnread = table.grace == nil && someDocumentsUnread
                if within == nil && table.grace?.componentHeartbeats[target.value] == nil && !graceUnread {
                    cannotFire(
                        target.span,
                        "component `\(target.value)` has no heartbeat interval: set `within` here or "
                            + "`components.\(target.value).heartbeat` in the grace document")
                }
            } else if resolveKernelOrComponent(target), let kernel = table.kernels[target.value] {
                if kernel.watchdog == nil && within == nil {
                    cannotFire(
                        target.span,
                        "kernel `\(target.value)` declares no `watchdog`, so Grace expects no heartbeats from it",
                        notes: [Note("kernel defined here", at: kernel.header.name.span)])
                }
            }
        case .metric(let metric, let kernel, let threshold, _), .predict(let metric, let kernel, let threshold, _, _):
            checkMetricScope(metric, kernel: kernel, at: node)
            if threshold.direction == .below && threshold.value.value.value <= 0 {
                cannotFire(threshold.value.span, "`\(metric.value.rawValue)` can never be below 0")
            }
        case .anomaly(let metric, let kernel, _, _, _):
            checkMetricScope(metric, kernel: kernel, at: node)
        case .log(let pattern, let kernel, _, _, _):
            _ = checkKernelRef(kernel)
            checkRegex(pattern, what: "log pattern")
        case .signature(let target, let kernel, _, _):
            _ = checkKernelRef(kernel)
            if target.value != "known" && target.value != "unknown" {
                if !table.contains(target.value, kind: .signature) {
                    report(
                        unknown: target, what: "signature", code: .unknownSignature,
                        candidates: table.names(of: .signature) + ["known", "unknown"])
                } else if let sig = table.signatures[target.value], let sk = sig.kernel, sk.value != "*",
                    let k = kernel, k.value != "*", k.value != sk.value
                {
                    cannotFire(
                        k.span, "signature `\(target.value)` only matches lines of kernel `\(sk.value)`",
                        notes: [Note("signature's kernel", at: sk.span)])
                }
            }
        case .file(_, let kernel, _), .certificate(_, let kernel, _, _):
            _ = checkKernelRef(kernel, allowWildcard: false)
        case .restarts(let target, let count, let within):
            if let kernel = checkKernelRef(target) {
                let intensity = kernel.restart.intensity
                if count > intensity.max && within <= intensity.within {
                    cannotFire(
                        node.valueSpan,
                        "kernel `\(target.value)` gives up after \(intensity.max) restarts within "
                            + "\(DurationParser.format(intensity.within)), so \(count) restarts within "
                            + "\(DurationParser.format(within)) never happen",
                        notes: [Note("kernel defined here", at: kernel.header.name.span)])
                }
            }
        case .gaveUp(let target):
            if let kernel = checkKernelRef(target), kernel.restart.mode == .never {
                cannotFire(
                    target.span,
                    "kernel `\(target.value)` has `restart: {policy: never}`, so Grace never gives up on it",
                    notes: [Note("kernel defined here", at: kernel.header.name.span)])
            }
        case .configInvalid:
            break
        case .deadlock(let members, _):
            for member in members { _ = resolveKernelOrComponent(member) }
            var seen: Set<String> = []
            for member in members {
                if !seen.insert(member.value).inserted {
                    sink.emit(.invalidValue, "`\(member.value)` is listed twice in `deadlock`", at: member.span)
                }
            }
        case .memberLost(let target, let fleet):
            // With part of a file unread, the fleet may be defined there: then only the names are checked.
            if table.fleets.isEmpty && !someDocumentsUnread {
                cannotFire(target.span, "no `fleet` document is defined, so no member can be lost")
            } else {
                resolveInstance(target, allowWildcard: true)
                if let fleet { resolve(fleet, kind: .fleet) }
            }
        case .every, .cron:
            break
        case .all(let parts, _):
            for part in parts { checkCondition(part) }
            checkContradictions(parts)
        case .any(let parts):
            for part in parts { checkCondition(part) }
        }
    }

    private func checkMetricScope(_ metric: Located<Metric>, kernel: Located<String>?, at node: ConditionNode) {
        if metric.value.isHostMetric {
            if let kernel {
                sink.emit(
                    .conflictingFields, "`\(metric.value.rawValue)` is a host metric; `kernel` does not apply",
                    at: kernel.span)
            }
            return
        }
        guard let kernel else {
            sink.emit(
                .missingField, "`\(metric.value.rawValue)` is measured per kernel; add `kernel`", at: metric.span)
            return
        }
        if let k = checkKernelRef(kernel), metric.value == .memory, k.limits.memory == nil {
            cannotFire(
                metric.span,
                "`memory` is a percentage of the kernel's `limits.memory`, and kernel `\(kernel.value)` sets none",
                notes: [Note("use `memory_rss` with a byte size, or set `limits.memory`", at: k.header.name.span)])
        }
    }

    /// `all` of `above X` and `below Y` with Y <= X on one metric can never hold at once.
    private func checkContradictions(_ parts: [ConditionNode]) {
        var bounds: [String: (above: (Double, SourceSpan)?, below: (Double, SourceSpan)?)] = [:]
        for part in parts {
            guard case .metric(let metric, let kernel, let threshold, _) = part.condition else { continue }
            let key = metric.value.rawValue + "/" + (kernel?.value ?? "")
            var entry = bounds[key] ?? (nil, nil)
            let value = (threshold.value.value.value, threshold.value.span)
            if threshold.direction == .above { entry.above = value } else { entry.below = value }
            bounds[key] = entry
            if let a = entry.above, let b = entry.below, b.0 <= a.0 {
                let later = a.1.precedes(b.1) ? b.1 : a.1
                cannotFire(
                    later, "`all` needs `\(metric.value.rawValue)` above and below thresholds that cannot both hold")
            }
        }
    }

    /// Two triggers that always fire together, or one that only ever fires after another that already ran the
    /// same playbook, add nothing but contention for the kernel lock.
    func checkShadowing() {
        let triggers = table.triggersInOrder.filter(\.enabled)
        let canonical = triggers.map { ContentHasher.canonical($0.when.source) }
        var byCondition: [String: Int] = [:]
        var shadowed: Set<Int> = []
        for (i, trigger) in triggers.enumerated() {
            if let first = byCondition[canonical[i]] {
                shadowed.insert(i)
                sink.emit(
                    .triggerShadowed,
                    "trigger `\(trigger.header.name.value)` has the same condition as "
                        + "`\(triggers[first].header.name.value)`; both fire together", at: trigger.header.name.span,
                    notes: [Note("the other trigger", at: triggers[first].header.name.span)])
                continue
            }
            byCondition[canonical[i]] = i
        }
        // A wildcard trigger (`exit: "*"`) that runs the same playbook already covers the specific one.
        var wildcards: [String: Int] = [:]  // canonical condition + playbook -> trigger
        var generals: [String?] = []
        for (i, trigger) in triggers.enumerated() {
            let general = Self.generalized(trigger.when.source).map(ContentHasher.canonical)
            generals.append(general)
            if let general, general == canonical[i], let run = trigger.run {
                wildcards[general + "\u{0}" + run.value] = wildcards[general + "\u{0}" + run.value] ?? i
            }
        }
        for (i, trigger) in triggers.enumerated() where !shadowed.contains(i) {
            guard let general = generals[i], general != canonical[i], let run = trigger.run,
                let a = wildcards[general + "\u{0}" + run.value]
            else { continue }
            shadowed.insert(i)
            sink.emit(
                .triggerShadowed,
                "trigger `\(trigger.header.name.value)` is shadowed by `\(triggers[a].header.name.value)`, which "
                    + "matches every kernel and runs the same playbook", at: trigger.header.name.span,
                notes: [Note("the wildcard trigger", at: triggers[a].header.name.span)])
        }
        // Metric thresholds: a weaker threshold held for no longer, running the same playbook, fires first.
        var groups: [String: [Int]] = [:]
        for (i, trigger) in triggers.enumerated() {
            guard case .metric(let m, let k, let t, _) = trigger.when.condition, let run = trigger.run else { continue }
            groups["\(m.value.rawValue)/\(k?.value ?? "")/\(t.direction.rawValue)/\(run.value)", default: []].append(i)
        }
        for members in groups.values where members.count > 1 {
            for bi in members where !shadowed.contains(bi) {
                guard case .metric(_, _, let tb, let fb) = triggers[bi].when.condition else { continue }
                for ai in members where ai != bi && canonical[ai] != canonical[bi] {
                    guard case .metric(_, _, let ta, let fa) = triggers[ai].when.condition else { continue }
                    let va = ta.value.value.value
                    let vb = tb.value.value.value
                    let weaker = ta.direction == .above ? va <= vb : va >= vb
                    guard weaker && (fa ?? .zero) <= (fb ?? .zero) else { continue }
                    // Equal thresholds and windows differ elsewhere; the later one is the shadowed one.
                    if va == vb && (fa ?? .zero) == (fb ?? .zero) && ai > bi { continue }
                    sink.emit(
                        .triggerShadowed,
                        "trigger `\(triggers[bi].header.name.value)` is shadowed by `\(triggers[ai].header.name.value)`, "
                            + "which fires first on the same metric and runs the same playbook",
                        at: triggers[bi].header.name.span,
                        notes: [Note("the shadowing trigger", at: triggers[ai].header.name.span)])
                    break
                }
            }
        }
    }

    /// The condition as written with its kernel replaced by `*`, for the kinds that accept a wildcard.
    static func generalized(_ source: YAMLNode) -> YAMLNode? {
        guard var pairs = source.mapping else { return nil }
        let keys = pairs.compactMap(\.key.text)
        let slot: String
        if let k = ["exit", "health", "restarts", "gave_up"].first(where: keys.contains) {
            slot = k
        } else if ["log", "signature"].contains(where: keys.contains), keys.contains("kernel") {
            slot = "kernel"
        } else {
            return nil
        }
        for i in pairs.indices where pairs[i].key.text == slot {
            pairs[i].value = YAMLNode(.scalar(YAMLScalar("*", style: .doubleQuoted)), span: pairs[i].value.span)
        }
        var out = source
        out.content = .mapping(pairs)
        return out
    }

    func checkSignatures() {
        for signature in table.signaturesInOrder {
            let name = signature.header.name.value
            if let kernel = signature.kernel { resolve(kernel, kind: .kernel, allowWildcard: true) }
            if let bound = signature.playbook, resolve(bound, kind: .playbook, context: "signature `\(name)`"),
                let playbook = table.playbooks[bound.value]
            {
                checkArguments(
                    signature.with, to: playbook, scope: .signature(signature),
                    missingAt: signature.withKeySpan ?? bound.span,
                    caller: "signature `\(name)`")
            } else if signature.playbook == nil, let with = signature.withKeySpan {
                sink.emit(.conflictingFields, "`with` needs a `playbook` to pass parameters to", at: with)
            }
            switch signature.matcher {
            case .regex(let pattern):
                guard checkRegex(pattern, what: "signature regex"),
                    case .success(let regex) = regexes.compile(pattern.value)
                else { continue }
                for example in signature.examples {
                    let range = NSRange(example.value.startIndex..., in: example.value)
                    if regex.firstMatch(in: example.value, range: range) == nil {
                        sink.emit(
                            .signatureExampleMismatch,
                            "example does not match the regex of signature `\(name)`", at: example.span,
                            notes: [Note("the regex", at: pattern.span)])
                    }
                }
            case .pattern(let pattern):
                let matcher = SignaturePattern(pattern.value)
                for example in signature.examples where !matcher.matches(example.value) {
                    sink.emit(
                        .signatureExampleMismatch,
                        "example does not match the pattern of signature `\(name)`", at: example.span,
                        notes: [Note("the pattern", at: pattern.span)])
                }
            }
        }
    }
}
