extension Checker {
    func checkFleets() {
        for fleet in table.fleetsInOrder {
            let name = fleet.header.name.value
            let primaries = fleet.instances.filter { $0.role.value == .primary }
            if primaries.isEmpty && !fleet.instances.isEmpty {
                sink.emit(
                    .noPrimary, "fleet `\(name)` has no primary: exactly one instance needs `role: primary`",
                    at: fleet.instancesSpan)
            } else if primaries.count > 1 {
                sink.emit(
                    .multiplePrimaries,
                    "fleet `\(name)` has more than one primary; the lease decides who leads, the configuration names one",
                    at: primaries[1].role.span, notes: [Note("the first primary", at: primaries[0].role.span)])
            }
            if fleet.instances.count == 1 || (!fleet.instances.isEmpty && primaries.count == fleet.instances.count) {
                sink.emit(
                    .noStandby, "fleet `\(name)` has no standby, so nothing can take over from the primary",
                    at: fleet.instancesSpan)
            }
            var names: [String: SourceSpan] = [:]
            var addresses: [String: SourceSpan] = [:]
            var priorities: [Int: SourceSpan] = [:]
            for instance in fleet.instances {
                if let first = names[instance.name.value] {
                    sink.emit(
                        .duplicateInstance, "instance `\(instance.name.value)` is listed twice", at: instance.name.span,
                        notes: [Note("first listed here", at: first)])
                }
                names[instance.name.value] = names[instance.name.value] ?? instance.name.span
                if let first = addresses[instance.api.value] {
                    sink.emit(
                        .duplicateInstance, "two instances share the API address `\(instance.api.value)`",
                        at: instance.api.span, notes: [Note("first used here", at: first)])
                }
                addresses[instance.api.value] = addresses[instance.api.value] ?? instance.api.span
                // Priorities order promotion, and a demoted primary becomes a standby too: all must differ.
                if let first = priorities[instance.priority.value] {
                    sink.emit(
                        .duplicateInstance,
                        "two instances share priority \(instance.priority.value); promotion order would be a coin toss",
                        at: instance.priority.span, notes: [Note("same priority here", at: first)])
                } else {
                    priorities[instance.priority.value] = instance.priority.span
                }
            }
            if let lease = fleet.lease {
                if lease.renew.value >= lease.ttl.value {
                    sink.emit(
                        .leaseTiming,
                        "lease `renew` (\(DurationParser.format(lease.renew.value))) must be shorter than `ttl` "
                            + "(\(DurationParser.format(lease.ttl.value))) or the leader loses its lease between renewals",
                        at: lease.renew.span)
                }
                switch lease.backend.value {
                case .etcd:
                    if lease.endpoints.isEmpty || lease.key == nil {
                        sink.emit(
                            .leaseBackendIncomplete, "the `etcd` lease backend needs `endpoints` and `key`",
                            at: lease.backend.span)
                    }
                case .local:
                    if lease.path == nil {
                        sink.emit(
                            .leaseBackendIncomplete, "the `local` lease backend needs `path` (a lock file)",
                            at: lease.backend.span)
                    }
                }
            }
            for kernel in fleet.kernels { resolve(kernel, kind: .kernel, context: "fleet `\(name)`") }
            if let playbook = fleet.failover.playbook {
                resolve(playbook, kind: .playbook, context: "fleet `\(name)`")
            }
        }
    }
}
