import Crypto
import Foundation
import GraceDSL

/// The drill's own probes of kernels' health URLs: every `interval`, one GET each, kept as (time, ok).
public actor AvailabilityMonitor {
    /// One probe's outcome.
    public struct Sample: Sendable {
        /// When the probe was sent.
        public var at: ContinuousClock.Instant
        /// Whether it passed.
        public var ok: Bool

        /// A probe's outcome at an instant.
        public init(at: ContinuousClock.Instant, ok: Bool) {
            self.at = at
            self.ok = ok
        }
    }

    private var samples: [String: [Sample]] = [:]
    private var task: Task<Void, Never>?

    /// Makes a monitor; `start` begins probing.
    public init() {}

    /// Probes each kernel's URL every `interval` until `stop`.
    public func start(urls: [String: String], http: any ChaosHTTP, interval: Duration = .milliseconds(250)) {
        task = Task { [weak self] in
            while !Task.isCancelled {
                let started = ContinuousClock.now
                await withTaskGroup(of: (String, Bool).self) { group in
                    for (kernel, url) in urls {
                        group.addTask {
                            let status = await http.get(url, timeout: .seconds(1))
                            return (kernel, status.map { (200..<400).contains($0) } ?? false)
                        }
                    }
                    for await (kernel, ok) in group { await self?.add(kernel, Sample(at: started, ok: ok)) }
                }
                try? await Task.sleep(until: started + interval, clock: .continuous)
            }
        }
    }

    private func add(_ kernel: String, _ sample: Sample) {
        samples[kernel, default: []].append(sample)
    }

    /// Stops probing and returns the samples per kernel.
    public func stop() -> [String: [Sample]] {
        task?.cancel()
        task = nil
        return samples
    }

    /// The samples so far.
    public var current: [String: [Sample]] { samples }
}

/// What a kernel's probes saw over a drill: the share that passed, and the total time they were failing.
public struct Availability: Sendable {
    /// The share of probes that passed.
    public var ratio: Double
    /// The total time the probe was failing.
    public var downtime: Duration
    /// How many probes were sent.
    public var samples: Int

    /// Summarises samples: each failing sample counts the time until the next sample as down.
    public init(_ samples: [AvailabilityMonitor.Sample]) {
        self.samples = samples.count
        guard !samples.isEmpty else {
            ratio = 1
            downtime = .zero
            return
        }
        ratio = Double(samples.filter(\.ok).count) / Double(samples.count)
        var down = Duration.zero
        for (i, s) in samples.enumerated() where !s.ok {
            down += i + 1 < samples.count ? samples[i + 1].at - s.at : .milliseconds(250)
        }
        downtime = down
    }
}

/// Checksums of the kernels' declared data before a drill, to prove afterwards that nothing already written was
/// lost: every file that existed must still exist, be at least as long, and begin with the same bytes (data
/// stores append; a file rewritten in place by design shows here as changed).
public struct DataChecksums: Sendable {
    /// One file as it was before the drill.
    public struct Entry: Sendable {
        /// Its path.
        public var path: String
        /// Its size in bytes.
        public var size: UInt64
        /// The SHA-256 of its bytes, hex.
        public var sha256: String
    }

    /// Every file read.
    public var entries: [Entry]

    /// Reads every regular file under `paths`.
    public init(paths: [URL]) {
        var list: [Entry] = []
        for path in paths {
            for file in Self.files(under: path) {
                guard let data = FileManager.default.contents(atPath: file.path) else { continue }
                list.append(Entry(path: file.path, size: UInt64(data.count), sha256: Self.digest(data)))
            }
        }
        entries = list
    }

    static func files(under url: URL) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [url] }
        return
            (FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])?
            .compactMap { $0 as? URL } ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .filter { !$0.lastPathComponent.hasPrefix("chaos-") }
    }

    static func digest(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The files whose earlier content is gone now: missing, shorter, or with a different prefix.
    public func lost() -> [String] {
        entries.compactMap { entry in
            guard let data = FileManager.default.contents(atPath: entry.path) else { return "\(entry.path) is gone" }
            guard UInt64(data.count) >= entry.size else {
                return "\(entry.path) shrank from \(entry.size) to \(data.count) bytes"
            }
            return Self.digest(data.prefix(Int(entry.size))) == entry.sha256
                ? nil : "\(entry.path): its first \(entry.size) bytes changed"
        }
    }
}
