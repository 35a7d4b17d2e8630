import Foundation
import GraceDSL
import Interpreter
import Testing

@testable import Runtime

#if canImport(Glibc)
import Glibc
#endif

/// What the runtime observes for the drills' fault classes: certificate expiry, zombies, the descriptor limit, the
/// log line rate, clock jumps and probe latency, and the metric events they become.
@Suite("Observations for certificates, zombies, descriptors, log rates, clock jumps and latency")
struct DrillObservationsTests {
    /// A self-signed P-256 certificate, notBefore 2026-12-06T00:24:25Z (UTCTime), notAfter 2027-01-05T00:24:25Z.
    static let shortLived = """
        -----BEGIN CERTIFICATE-----
        MIIBfDCCASOgAwIBAgIUBs0FslQcx5vjcOWDnhfRnPfZmR4wCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbGVhZi50ZXN0MB4XDTI2MTIwNjAwMjQyNVoXDTI3MDEwNTAw
        MjQyNVowFDESMBAGA1UEAwwJbGVhZi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
        AQcDQgAEDDdnCpzHn3GBNRip34bovDc0FAQoxSF7lDOfG3Bs5+blBDyo7jLnm3Al
        GLhuNm6mQLwSWDVEfhhgcH+dhLyBdaNTMFEwHQYDVR0OBBYEFIFZTonzGrTy0bOx
        eHxyw2BcGepZMB8GA1UdIwQYMBaAFIFZTonzGrTy0bOxeHxyw2BcGepZMA8GA1Ud
        EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgLjVRKMkt7yu5/IlTh96VWPQj
        XwzcQg5zsIwyHXIFRqQCIE7LqSJZBWBEBNJfHDA9/ViOslOA2czW/LbEBG2qJM+t
        -----END CERTIFICATE-----

        """
    /// The same key, notAfter 2054-04-23T00:24:25Z: past 2049, so a GeneralizedTime.
    static let longLived = """
        -----BEGIN CERTIFICATE-----
        MIIBgDCCASWgAwIBAgIUeYsBF8OGQMCYQqkPpY4To2wBMEIwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9uZy50ZXN0MCAXDTI2MTIwNjAwMjQyNVoYDzIwNTQwNDIz
        MDAyNDI1WjAUMRIwEAYDVQQDDAlsb25nLnRlc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAAQMN2cKnMefcYE1GKnfhui8NzQUBCjFIXuUM58bcGzn5uUEPKjuMueb
        cCUYuG42bqZAvBJYNUR+GGBwf52EvIF1o1MwUTAdBgNVHQ4EFgQUgVlOifMatPLR
        s7F4fHLDYFwZ6lkwHwYDVR0jBBgwFoAUgVlOifMatPLRs7F4fHLDYFwZ6lkwDwYD
        VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAr4/ioatgDUcNwtxMPdyE
        jjazy/IAYKKG/idTkPjhIKMCIQCA/aYUhadlC5lBNZIyXCR5NQLM+WM1QCKe/uMu
        +eosVg==
        -----END CERTIFICATE-----

        """

    @Test("a certificate's validity is read from PEM (UTCTime and GeneralizedTime) and DER; a chain's earliest counts")
    func certificateValidity() throws {
        let short = try CertificateValidity.parse(Data(Self.shortLived.utf8)).get()
        #expect(
            short
                == CertificateValidity(
                    notBefore: Date(timeIntervalSince1970: 1_796_516_665),
                    notAfter: Date(timeIntervalSince1970: 1_799_108_665),
                    count: 1))
        let long = try CertificateValidity.parse(Data(Self.longLived.utf8)).get()
        #expect(long.notAfter == Date(timeIntervalSince1970: 2_660_516_665))
        let chain = try CertificateValidity.parse(Data((Self.longLived + Self.shortLived).utf8)).get()
        #expect(chain.notAfter == short.notAfter)
        #expect(chain.count == 2)
        let base64 = Self.longLived.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: base64))
        #expect(try CertificateValidity.parse(der).get().notAfter == long.notAfter)
    }

    @Test("what is not a certificate says why")
    func certificateProblems() throws {
        #expect(CertificateValidity.parse(Data("hello".utf8)) == .failure(.noCertificate))
        let cut = Self.shortLived.replacingOccurrences(of: "EwEB/wQFMAMBAf8w", with: "")
        guard case .failure(.malformed) = CertificateValidity.parse(Data(cut.utf8)) else {
            Issue.record("a certificate cut short is malformed")
            return
        }
        guard case .failure(.malformed) = CertificateValidity.parse(Data([0x30, 0x03, 0x02, 0x01, 0x00])) else {
            Issue.record("a SEQUENCE that holds no tbsCertificate is malformed")
            return
        }
        guard case .failure(.unreadable) = CertificateValidity.read(path: "/nonexistent/grace/cert.pem") else {
            Issue.record("a missing file is unreadable")
            return
        }
    }

    @Test("the clock jump is how far the wall clock moved unlike the boot clock, either way")
    func clockJump() {
        var detector = ClockJumpDetector()
        #expect(detector.observe(wall: 1000, boot: 10) == nil)
        #expect(detector.observe(wall: 1005, boot: 15) == 0)
        #expect(detector.observe(wall: 4610, boot: 20) == 3600)
        #expect(detector.observe(wall: 1020, boot: 25) == 3595)
    }

    @Test("/proc parsers: a process's state, parent and group, and its open-files limit")
    func procParsers() throws {
        let stat = "4242 (a) (b) Z 17 4200 4200 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n"
        let family = try #require(ProcParser.parse(stat, with: ProcParser.processFamily))
        #expect(family == ProcParser.ProcessFamily(state: UInt8(ascii: "Z"), parent: 17, processGroup: 4200))
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             63392                63392                processes
            Max open files            1024                 524288               files
            """
        #expect(ProcParser.parse(limits, with: ProcParser.openFilesLimit) == 1024)
        let unlimited = "Max open files            unlimited            unlimited            files\n"
        #expect(ProcParser.parse(unlimited, with: ProcParser.openFilesLimit) == nil)
        #expect(ProcessSampler.descriptorLimit(pid: getpid()) != nil)
    }

    @Test("a child that never reaps its own child has a zombie, counted for it")
    func zombies() async throws {
        // sh starts `true` in the background and becomes `sleep`, which never waits: `true` stays a zombie.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "/bin/true & exec sleep 30"]
        try child.run()
        defer {
            kill(child.processIdentifier, SIGKILL)
            _ = child.exitStatus()
        }
        let pid = child.processIdentifier
        var counted = 0
        for _ in 0..<400 where counted == 0 {
            counted = ZombieCensus.count(kernels: [pid])[pid] ?? 0
            if counted == 0 { usleep(5_000) }
        }
        #expect(counted == 1)
        #expect(ZombieCensus.count(kernels: []).isEmpty)
    }

    @Test("the sampler turns delivered lines into lines a second, and the descriptor limit into fd_usage")
    func lineRate() throws {
        var sampler = MetricsSampler(cgroups: nil)
        let me = getpid()
        _ = sampler.sample(["k": .init(pid: me, cgroup: nil, lines: 100)])
        var metrics: KernelMetrics?
        for _ in 0..<200 where metrics?.logLinesPerSecond == nil {
            usleep(5_000)
            metrics = sampler.sample(["k": .init(pid: me, cgroup: nil, lines: 150)]).kernels["k"]
        }
        let rate = try #require(metrics?.logLinesPerSecond)
        #expect(rate > 0)
        #expect(metrics?.zombies == 0)
        let limit = try #require(metrics?.descriptorLimit)
        #expect(metrics?.descriptorPercent == Double(metrics?.openFDs ?? 0) / Double(limit) * 100)
    }

    @Test("probes, kernel samples and host samples become the new metric events")
    func events() throws {
        let graph = try #require(Compiler(options: CompilerOptions(checkExecutables: false)).compile([]).graph)
        let probe = ObservedEvents.events(
            from: .probe(kernel: "api", latency: .milliseconds(812), healthy: true), graph: graph)
        #expect(probe == [.metric(kernel: "api", metric: .latency, value: 0.812)])
        let failed = ObservedEvents.events(
            from: .probe(kernel: "api", latency: .seconds(1), healthy: false), graph: graph)
        #expect(failed.isEmpty, "a failed probe is the health condition's, not a latency")
        var sample = KernelMetrics(cpuPercent: 1, rssBytes: 2, threads: 3, openFDs: 512, descriptorLimit: 1024)
        sample.zombies = 7
        sample.logLinesPerSecond = 250
        let kernel = ObservedEvents.events(from: .metrics(kernel: "api", sample), graph: graph)
        #expect(kernel.contains(.metric(kernel: "api", metric: .fd_usage, value: 50)))
        #expect(kernel.contains(.metric(kernel: "api", metric: .zombies, value: 7)))
        #expect(kernel.contains(.metric(kernel: "api", metric: .log_rate, value: 250)))
        let host = HostSample(
            cpuPercent: nil, memoryUsedPercent: 1, load1: 0, diskFreeBytes: 1, clockJumpSeconds: 3600)
        #expect(
            ObservedEvents.events(from: .host(host), graph: graph).contains(
                .metric(kernel: nil, metric: .clock_jump, value: 3600)))
    }
}
