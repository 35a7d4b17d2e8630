import Foundation
import Glibc
import Synchronization

// The `zombies` fault: children that exit and are never reaped, as when a service's SIGCHLD handling is broken.
// SIGCHLD sent to the process by someone (kill(2): Grace's `signal` step) asks it to reap, which works unless the
// fault says `reap=never`; the kernel's own SIGCHLDs for the exits are what the broken handling loses.

/// SIGCHLDs sent by a process (si_code SI_USER or SI_QUEUE), counted by the signal handler.
let reapRequests = Atomic<Int>(0)

extension Service {
    /// Installs the SIGCHLD handler that counts requests to reap; the main loop acts on them.
    static func installChildHandler() {
        _ = reapRequests.load(ordering: .relaxed)  // initialised here, never first in the handler
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { _, info, _ in
            guard let code = info?.pointee.si_code else { return }
            if code == SI_USER || code == SI_QUEUE { reapRequests.add(1, ordering: .relaxed) }
        }
        action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP
        sigemptyset(&action.sa_mask)
        sigaction(SIGCHLD, &action, nil)
    }

    /// `POST /fault/zombies`: a thread starts `/bin/true` `count` times, `every` seconds apart, and nobody waits
    /// for them.
    func startZombies(count: Int, every: Double, reap: Fault.Reap) -> String {
        let generation = faultState.withLock { faults in
            faults.zombieGeneration += 1
            faults.reap = reap
            return faults.zombieGeneration
        }
        let message = "starting \(count) children \(describe(every)) apart and not reaping them (reap=\(reap.rawValue))"
        log.fault.warning("fault injected: \(message)")
        Thread.detachNewThread { [self] in
            for _ in 0..<count {
                hangGate.checkpoint()
                guard faultState.withLock({ $0.zombieGeneration == generation }) else { return }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                guard let pid = Subprocess.spawn(["true"], actions: &actions, attributes: nil, environment: nil) else {
                    return log.fault.warning("zombies: cannot start a child: \(String(cString: strerror(errno)))")
                }
                faultState.withLock { $0.unreapedChildren.append(pid) }
                if every > 0 { Thread.sleep(forTimeInterval: every) }
            }
            let left = faultState.withLock { $0.unreapedChildren.count }
            log.fault.warning("started \(count) children and reaped none: \(left) left to reap")
        }
        return message
    }

    /// From the main loop: a SIGCHLD arrived from outside since `seen`; reap what may be reaped.
    func answerReapRequests(seen: inout Int) {
        let requests = reapRequests.load(ordering: .relaxed)
        guard requests != seen else { return }
        seen = requests
        let (mode, waiting) = faultState.withLock { ($0.reap, $0.unreapedChildren.count) }
        guard waiting > 0 else { return }
        guard mode == .signal else {
            return log.fault.warning("SIGCHLD: not reaping (zombies fault, reap=never): \(waiting) children left")
        }
        let reaped = reapChildren(blocking: false)
        log.main.info("SIGCHLD: reaped \(reaped) children, \(waiting - reaped) left")
    }

    /// Waits for the children the fault started; returns how many were reaped.
    @discardableResult
    func reapChildren(blocking: Bool) -> Int {
        faultState.withLock { faults in
            var reaped = 0
            faults.unreapedChildren.removeAll { pid in
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
                if result == pid || (result < 0 && errno == ECHILD) {
                    reaped += 1
                    return true
                }
                return false
            }
            return reaped
        }
    }
}
