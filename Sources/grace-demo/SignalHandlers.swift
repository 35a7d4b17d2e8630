import Foundation
import Glibc

/// The signals grace-demo answers, on dispatch queues rather than in signal handlers so that ordinary code may
/// run: SIGTERM and SIGINT shut down, SIGUSR1 logs a state dump, SIGHUP reloads the certificate, SIGUSR2 crashes
/// (abort). (SIGCHLD has a real handler: `Service.installChildHandler`.) Keep the value alive for as long as the
/// signals should be answered.
struct SignalHandlers {
    private let sources: [any DispatchSourceSignal]

    init(service: Service) {
        let queue = DispatchQueue(label: "grace-demo.signals")
        var sources = [SIGTERM, SIGINT, SIGUSR1, SIGHUP].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                switch number {
                case SIGUSR1: service.dumpState()
                case SIGHUP: service.reloadCertificate(reason: "SIGHUP")
                case SIGTERM: service.shutdown(signal: "SIGTERM")
                default: service.shutdown(signal: "SIGINT")
                }
            }
            source.resume()
            return source
        }
        // SIGUSR2 crashes, on its own queue so that it works even while a hang blocks the others.
        signal(SIGUSR2, SIG_IGN)
        let crash = DispatchSource.makeSignalSource(signal: SIGUSR2, queue: DispatchQueue(label: "grace-demo.crash"))
        crash.setEventHandler { service.crash(.abort, code: 1, cause: "SIGUSR2") }
        crash.resume()
        sources.append(crash)
        self.sources = sources
    }
}
