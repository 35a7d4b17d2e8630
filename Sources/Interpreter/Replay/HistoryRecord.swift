import Foundation
import GraceDSL

/// One observation as the state database's history keeps it: what the trigger engine saw that the journal does
/// not record. A kernel's (or the host's) metric sample, a heartbeat, a log line, a signature sighting, a file or
/// certificate check. Replaying the history together with the journal feeds a trigger engine the same events, in
/// the same order, at the same moments (`Replayer`).
public struct HistoryRecord: Sendable, Hashable {
    /// What the record holds.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Every metric of one sample of a kernel (or of the host, with no kernel): `name=value` pairs in `text`.
        case metrics
        /// A heartbeat (`WATCHDOG=1`) of the kernel or component in `kernel`.
        case heartbeat
        /// A log line: the stream in `name`, the line in `text`.
        case log
        /// A line the knowledge base recognised: the signature in `name`, the sighting as JSON in `text`.
        case sighting
        /// A `file:` condition's file changed: its path in `name`.
        case file
        /// A `certificate:` condition's check: the path in `name`, `MS NOT_AFTER` in `text`.
        case certificate
    }

    /// When the engine saw it (wall clock, to the millisecond when stored).
    public var time: Date
    /// What the record holds.
    public var kind: Kind
    /// The kernel (or component) it is about; nil for the host.
    public var kernel: String?
    /// A name that depends on the kind: the stream, the signature, the path.
    public var name: String?
    /// The payload, as text.
    public var text: String

    /// Makes a record.
    public init(time: Date, kind: Kind, kernel: String?, name: String? = nil, text: String = "") {
        self.time = time
        self.kind = kind
        self.kernel = kernel
        self.name = name
        self.text = text
    }

    /// The records of the events one observation became, seen at `time`: the metrics of one kernel together in one
    /// record. Events the journal records (exits, probes' verdicts, ...) have no record.
    public static func records(for events: [Event], at time: Date) -> [HistoryRecord] {
        var records: [HistoryRecord] = []
        var metrics: [String: Int] = [:]
        for event in events {
            switch event {
            case .metric(let kernel, let metric, let value):
                let key = kernel ?? ""
                let pair = "\(metric.rawValue)=\(value)"
                if let i = metrics[key] {
                    records[i].text += " " + pair
                } else {
                    metrics[key] = records.count
                    records.append(HistoryRecord(time: time, kind: .metrics, kernel: kernel, text: pair))
                }
            case .heartbeat(let name):
                records.append(HistoryRecord(time: time, kind: .heartbeat, kernel: name))
            case .logLine(let kernel, let stream, let text):
                records.append(HistoryRecord(time: time, kind: .log, kernel: kernel, name: stream, text: text))
            case .signatureSeen(let s):
                var object: [String: String] = [
                    "line": s.line, "content": s.content, "template": s.template, "severity": s.severity.rawValue,
                ]
                if let playbook = s.playbook { object["playbook"] = playbook }
                let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
                    .flatMap { String(data: $0, encoding: .utf8) }
                guard let json else { continue }
                records.append(
                    HistoryRecord(time: time, kind: .sighting, kernel: s.kernel, name: s.signature, text: json))
            case .fileChanged(let kernel, let path):
                records.append(HistoryRecord(time: time, kind: .file, kernel: kernel, name: path))
            case .certificateChecked(let kernel, let path, let expiresIn, let notAfter):
                records.append(
                    HistoryRecord(
                        time: time, kind: .certificate, kernel: kernel, name: path,
                        text: "\(expiresIn.milliseconds) \(notAfter)"))
            default:
                continue
            }
        }
        return records
    }

    /// `name=value name=value` as metric events; a pair that is not a known metric and a number is left out. A scan
    /// of the UTF-8 bytes rather than `split` (a replay reads a million of these; `split` was a third of its time).
    static func metrics(_ text: String, kernel: String?) -> [Event] {
        var events: [Event] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var equals: String.Index?
        var i = start
        func pair(upTo end: String.Index) {
            guard let eq = equals, let metric = Metric(rawValue: String(text[start..<eq])),
                let value = Double(text[text.index(after: eq)..<end])
            else { return }
            events.append(.metric(kernel: kernel, metric: metric, value: value))
        }
        while i < utf8.endIndex {
            switch utf8[i] {
            case UInt8(ascii: "="):
                if equals == nil { equals = i }
            case UInt8(ascii: " "):
                pair(upTo: i)
                start = utf8.index(after: i)
                equals = nil
            default:
                break
            }
            i = utf8.index(after: i)
        }
        pair(upTo: utf8.endIndex)
        return events
    }

    /// The events the record stands for; none when its text is not what `records(for:at:)` writes.
    public var events: [Event] {
        switch kind {
        case .metrics:
            return Self.metrics(text, kernel: kernel)
        case .heartbeat:
            return kernel.map { [.heartbeat(name: $0)] } ?? []
        case .log:
            guard let kernel else { return [] }
            return [.logLine(kernel: kernel, stream: name ?? "stdout", text: text)]
        case .sighting:
            guard let kernel, let signature = name, let data = text.data(using: .utf8),
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: String],
                let line = object["line"], let template = object["template"],
                let severity = object["severity"].flatMap(SignatureSighting.Severity.init(rawValue:))
            else { return [] }
            return [
                .signatureSeen(
                    SignatureSighting(
                        kernel: kernel, line: line, content: object["content"], signature: signature,
                        template: template, severity: severity, playbook: object["playbook"]))
            ]
        case .file:
            return name.map { [.fileChanged(kernel: kernel, path: $0)] } ?? []
        case .certificate:
            let parts = text.split(separator: " ", maxSplits: 1)
            guard let path = name, parts.count == 2, let ms = Int64(parts[0]) else { return [] }
            return [
                .certificateChecked(
                    kernel: kernel, path: path, expiresIn: .milliseconds(ms), notAfter: String(parts[1]))
            ]
        }
    }
}
