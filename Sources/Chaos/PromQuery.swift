import Foundation

/// A `prom` probe's check, as LitmusChaos's Prometheus probe does it: an instant PromQL query to a Prometheus
/// server's HTTP API (`GET /api/v1/query`), whose samples are compared with the probe's bounds.
enum PromQuery {
    /// The query's URL on the server at `server` (with or without a trailing slash).
    static func url(_ server: String, _ query: String) -> String {
        // Only the unreserved characters stay as they are: PromQL is full of `{`, `"`, `=`, `+` and `&`.
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        return "\(base)/api/v1/query?query=\(encoded)"
    }

    /// Whether the answer passes: a successful instant query with at least one sample, each below `below` and above
    /// `above` (the bounds given), and what was seen.
    static func judge(_ answer: HTTPAnswer, below: Double?, above: Double?) -> (Bool, String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else {
            return (false, "status \(answer.status), and the answer is not Prometheus' JSON")
        }
        guard answer.status == 200, object["status"] as? String == "success",
            let data = object["data"] as? [String: Any], let type = data["resultType"] as? String
        else {
            let error = (object["error"] as? String).map { ": \($0.prefix(200))" } ?? ""
            return (false, "status \(answer.status), the query failed\(error)")
        }
        var samples: [(series: String, value: Double)] = []
        switch type {
        case "vector":
            for item in data["result"] as? [[String: Any]] ?? [] {
                let labels = (item["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                let series = "{" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
                if let value = sampleValue(item["value"]) { samples.append((series, value)) }
            }
        case "scalar":
            if let value = sampleValue(data["result"]) { samples.append(("scalar", value)) }
        default:
            return (false, "the query returned a \(type); a probe compares an instant vector or a scalar")
        }
        guard !samples.isEmpty else { return (false, "the query returned no samples") }
        for sample in samples {
            // NaN compares false both ways: it passes no bound.
            if let below, !(sample.value < below) {
                return (false, "\(sample.series) = \(text(sample.value)), not below \(text(below))")
            }
            if let above, !(sample.value > above) {
                return (false, "\(sample.series) = \(text(sample.value)), not above \(text(above))")
            }
        }
        let values = samples.map(\.value)
        let range =
            samples.count == 1
            ? "= \(text(values[0]))" : "from \(text(values.min() ?? 0)) to \(text(values.max() ?? 0))"
        return (true, "\(samples.count) sample\(samples.count == 1 ? "" : "s") \(range)")
    }

    /// The value of a `[timestamp, "value"]` pair (Prometheus sends values as strings: "1", "NaN", "+Inf").
    private static func sampleValue(_ pair: Any?) -> Double? {
        guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String else { return nil }
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    /// A number as an operator writes it: 5, 0.25, not 5.0.
    static func text(_ d: Double) -> String {
        d.isFinite && d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
