extension Checker {
    /// What a refactor intent may point at: dotted field paths per kind, with the type of their values.
    enum FieldType {
        case duration, int, number, percent, bytes, text
        /// A trigger's threshold: its type is the unit of the trigger's metric.
        case threshold
    }

    static let fieldCatalog: [DocumentKind: [String: FieldType]] = [
        .trigger: [
            "when.above": .threshold, "when.below": .threshold, "when.for": .duration, "when.within": .duration,
            "when.window": .duration, "when.count": .int, "when.z": .number, "when.alpha": .number,
            "when.failures": .int, "cooldown": .duration, "coalesce": .duration, "run": .text, "with": .text,
        ],
        .kernel: [
            "restart.backoff.initial": .duration, "restart.backoff.max": .duration, "restart.backoff.factor": .number,
            "restart.intensity.max": .int, "restart.intensity.within": .duration, "restart.stable_after": .duration,
            "health.every": .duration, "health.timeout": .duration, "health.failures": .int,
            "health.start_period": .duration, "start_timeout": .duration, "watchdog": .duration,
            "limits.memory": .bytes, "limits.cpu": .percent,
            "limits.nofile": .int, "stop.grace": .duration, "tier": .text, "command": .text, "depends_on": .text,
        ],
        .playbook: [
            "timeout": .duration, "success.within": .duration, "steps": .text, "params": .text, "on_failure": .text,
        ],
        .signature: ["pattern": .text, "regex": .text, "playbook": .text, "severity": .text, "examples": .text],
        .grace: [
            "limits.concurrent_runs": .int, "limits.rate.runs": .int, "limits.rate.per": .duration,
            "snapshots.every": .duration,
        ],
        .fleet: ["lease.ttl": .duration, "lease.renew": .duration, "failover.quarantine": .duration],
        .chaos: ["expect.within": .duration, "inject": .text],
        .gate: ["checks": .text],
        .refactor: ["bounds.min": .text, "bounds.max": .text],
    ]

    func checkRefactors() {
        for intent in table.refactorsInOrder {
            let kind = intent.target.kind.value
            if !intent.intent.targetKinds.contains(kind) {
                let accepted = intent.intent.targetKinds.map(\.rawValue).sorted().joined(separator: ", ")
                sink.emit(
                    .invalidValue,
                    "a `\(intent.intent.rawValue)` refactor cannot target a \(kind.rawValue); it targets: \(accepted)",
                    at: intent.target.kind.span)
            }
            if let name = intent.target.name {
                resolve(name, kind: kind, context: "refactor `\(intent.header.name.value)`")
            }
            var fieldType: FieldType?
            if let field = intent.target.field {
                let catalog = Self.fieldCatalog[kind] ?? [:]
                if let type = catalog[field.value] {
                    fieldType = type
                } else {
                    report(
                        unknown: field, what: "field of \(kind.rawValue)", code: .unknownFieldPath,
                        candidates: Array(catalog.keys))
                }
            }
            if intent.intent == .tune {
                if intent.target.field == nil {
                    sink.emit(.missingField, "a `tune` refactor needs `target.field`", at: intent.header.name.span)
                }
                if intent.boundsMin == nil && intent.boundsMax == nil {
                    sink.emit(
                        .missingField, "a `tune` refactor needs `bounds` so the agent cannot pick any value",
                        at: intent.header.name.span)
                }
            }
            if let fieldType { checkBounds(intent, fieldType: fieldType) }
            if let source = intent.from, let kernel = source.kernel { resolve(kernel, kind: .kernel) }
            for command in intent.verify { checkExecutable(command, what: "refactor verification") }
        }
    }

    private func checkBounds(_ intent: RefactorIntent, fieldType: FieldType) {
        var type = fieldType
        var metric: Metric?
        if case .threshold = fieldType {
            guard let name = intent.target.name, let trigger = table.triggers[name.value] else { return }
            switch trigger.when.condition {
            case .metric(let m, _, _, _), .predict(let m, _, _, _, _): metric = m.value
            default:
                sink.emit(
                    .unknownFieldPath, "trigger `\(name.value)` has no threshold to tune",
                    at: intent.target.field?.span ?? name.span)
                return
            }
        }
        if let metric {
            switch metric.unit {
            case .percent: type = .percent
            case .bytes: type = .bytes
            case .count: type = .int
            case .number: type = .number
            case .duration: type = .duration
            }
        }
        var values: [Double] = []
        for node in [intent.boundsMin, intent.boundsMax].compactMap({ $0 }) {
            let decoder = DocumentDecoder(sink: sink)
            let value: Double?
            switch type {
            case .duration: value = decoder.values.duration(node, field: "bounds")?.value.milliseconds.asDouble
            case .int: value = decoder.values.int(node, field: "bounds").map { Double($0.value) }
            case .number: value = decoder.values.number(node, field: "bounds")?.value
            case .percent:
                if let metric {
                    value = decoder.metricValue(node, metric: metric)?.value.value
                } else {
                    value = decoder.values.percent(node, field: "bounds")?.value.value
                }
            case .bytes:
                if let metric {
                    value = decoder.metricValue(node, metric: metric)?.value.value
                } else {
                    value = decoder.values.byteSize(node, field: "bounds").map { Double($0.value.bytes) }
                }
            case .text, .threshold: value = nil
            }
            if let value { values.append(value) }
        }
        if values.count == 2, values[0] > values[1], let maxNode = intent.boundsMax {
            sink.emit(.outOfRange, "`bounds.max` is below `bounds.min`", at: maxNode.span)
        }
    }
}

extension Int64 {
    fileprivate var asDouble: Double { Double(self) }
}
