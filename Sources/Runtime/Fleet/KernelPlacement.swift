import GraceDSL

/// What this instance of a fleet is now, as far as its kernels are concerned.
public enum FleetRoleMode: String, Sendable, Hashable {
    /// Not in a fleet: every kernel runs.
    case standalone
    /// In a fleet, not yet decided (joining): kernels that depend on the role wait.
    case pending
    /// Holds the fleet's lease: every kernel runs as the primary's.
    case primary
    /// A hot standby: replicas run their `on_standby` command, primary-only kernels are stopped.
    case hotStandby = "hot-standby"
    /// A warm standby: only kernels that run everywhere run.
    case warmStandby = "warm-standby"
    /// Quarantined: no kernel runs.
    case quarantined
}

/// Where a kernel runs in a fleet, from its `on_standby` and the fleet's `kernels` list.
public enum KernelPlacement: Sendable, Hashable {
    /// Only on the primary.
    case primaryOnly
    /// On every instance alike.
    case everywhere
    /// On the primary as declared, on a hot standby with the replica's command and environment.
    case replica(command: Located<Command>?, env: [String: String])

    /// The placement of `kernel` when this Grace is an instance of `fleet`. The coding agent's kernel runs on the
    /// primary only: two agents editing one configuration would fight.
    public static func of(_ kernel: Kernel, in fleet: Fleet, agentKernel: String) -> KernelPlacement {
        if kernel.header.name.value == agentKernel { return .primaryOnly }
        switch kernel.onStandby {
        case .stop?: return .primaryOnly
        case .run?: return .everywhere
        case .replica(let command, let env)?: return .replica(command: command, env: env)
        case nil:
            if fleet.kernels.isEmpty { return .primaryOnly }
            return fleet.kernels.contains { $0.value == kernel.header.name.value } ? .primaryOnly : .everywhere
        }
    }

    /// The kernel as it runs in `mode`, or nil when it must not run.
    public func kernel(_ kernel: Kernel, in mode: FleetRoleMode) -> Kernel? {
        switch (self, mode) {
        case (_, .standalone), (_, .primary), (.everywhere, .pending), (.everywhere, .hotStandby),
            (.everywhere, .warmStandby):
            return kernel
        case (.replica(let command, let env), .hotStandby):
            var replica = kernel
            if let command { replica.command = command }
            replica.env.merge(env) { _, new in new }
            return replica
        case (_, .quarantined), (_, .pending), (.primaryOnly, _), (.replica, .warmStandby):
            return nil
        }
    }
}
