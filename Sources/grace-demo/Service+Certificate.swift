import Foundation
import Glibc

// The --tls-cert certificate: made (self-signed, with openssl) when missing, reloaded on SIGHUP, and re-issued to
// expire soon by the `tls` fault. grace-demo serves plain HTTP; the certificate is what a TLS service would hold,
// for Grace's `certificate:` condition to watch.

extension Service {
    /// At start: the certificate and key exist (made with openssl when missing), and what was loaded is logged.
    /// Without openssl a missing certificate stays missing: a WARN line, and the service runs without one.
    func openCertificate() {
        guard let cert = options.tlsCert, let key = options.tlsKey else { return }
        let fm = FileManager.default
        if !fm.fileExists(atPath: cert) || !fm.fileExists(atPath: key) {
            try? fm.createDirectory(
                atPath: (cert as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? fm.createDirectory(
                atPath: (key as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !fm.fileExists(atPath: key) {
                let made = Subprocess.run([
                    "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key,
                ])
                guard made.status == 0 else {
                    return log.tls.warning("no key at \(key), and openssl cannot make one: \(made.output.suffix(200))")
                }
                chmod(key, 0o600)
            }
            if let problem = issueCertificate(days: 90) {
                return log.tls.warning("no certificate at \(cert), and openssl cannot make one: \(problem)")
            }
            log.tls.info("made a self-signed certificate \(cert) valid for 90 days")
        }
        reloadCertificate(reason: "start")
    }

    /// SIGHUP (and after the `tls` fault): reads the certificate again, as a TLS service picks up a renewed one.
    func reloadCertificate(reason: String) {
        guard let cert = options.tlsCert else { return }
        let end = Subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-enddate"])
        guard end.status == 0, let notAfter = end.output.split(separator: "=", maxSplits: 1).last else {
            return log.tls.error("cannot load certificate \(cert) (\(reason)): \(end.output.suffix(200))")
        }
        log.tls.info(
            "loaded certificate \(cert) (\(reason)): valid until \(notAfter.trimmingCharacters(in: .whitespacesAndNewlines))"
        )
    }

    /// `POST /fault/tls`: the certificate is re-issued, same subject and key, to expire in `days`.
    func expireCertificate(days: Int) throws(FaultError) -> String {
        guard let cert = options.tlsCert else {
            throw FaultError(409, "no certificate: this instance runs without --tls-cert")
        }
        if let problem = issueCertificate(days: days) { throw FaultError(500, "cannot re-issue \(cert): \(problem)") }
        let message = "certificate \(cert) re-issued to expire in \(days) day\(days == 1 ? "" : "s")"
        log.fault.warning("fault injected: \(message)")
        reloadCertificate(reason: "tls fault")
        return message
    }

    /// A self-signed certificate for `NAME.grace-demo` with the key, valid `days`, replacing the file atomically;
    /// nil, or why not.
    private func issueCertificate(days: Int) -> String? {
        guard let cert = options.tlsCert, let key = options.tlsKey else { return "no --tls-cert and --tls-key" }
        let temporary = cert + ".new"
        let made = Subprocess.run([
            "openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=\(options.name).grace-demo",
            "-days", String(days), "-out", temporary,
        ])
        guard made.status == 0 else {
            unlink(temporary)
            return String(made.output.suffix(300))
        }
        guard rename(temporary, cert) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
