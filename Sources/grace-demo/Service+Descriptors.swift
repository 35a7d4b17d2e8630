import Foundation
import Glibc

// The `fdleak` fault: descriptors opened and never closed, until the process's limit stops it.

extension Service {
    /// `POST /fault/fdleak`: a thread opens /dev/null every `every` seconds, `count` times or until open fails.
    func startDescriptorLeak(count: Int, every: Double) -> String {
        let generation = faultState.withLock { faults in
            faults.fdleakGeneration += 1
            return faults.fdleakGeneration
        }
        let message =
            "leaking a descriptor every \(describe(every)), \(count == 1_000_000 ? "until the limit" : "\(count) times")"
        log.fault.warning("fault injected: \(message)")
        Thread.detachNewThread { [self] in
            for opened in 0..<count {
                hangGate.checkpoint()
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    let reason = String(cString: strerror(errno))
                    return log.fault.warning("descriptor leak stopped after \(opened) descriptors: \(reason)")
                }
                let kept = faultState.withLock { faults -> Bool in
                    guard faults.fdleakGeneration == generation else { return false }
                    faults.leakedDescriptors.append(fd)
                    return true
                }
                guard kept else { return _ = close(fd) }
                if every > 0 { Thread.sleep(forTimeInterval: every) }
            }
            log.fault.warning("descriptor leak over: \(count) descriptors open and never closed")
        }
        return message
    }
}
