// MineBench DATA_DIR OUT_DIR [--repeat N] [--threshold T] [--system NAME]
//
// For each system in DATA_DIR/settings.json: mines DATA_DIR/SYS/SYS_2k.log with the system's format and masks
// (nothing else from the settings: no per-system threshold), writes OUT_DIR/SYS_2k.log_structured.csv
// (LineId,EventId,EventTemplate), scores it against SYS_2k.log_structured.csv as logpai's get_accuracy does,
// and measures lines per second of this thread's CPU time (reading the file excluded; splitting, masking and
// mining included), best of N repeats. Prints a JSON line per system and a summary.
import Foundation
import LogMining

struct Settings: Decodable {
    var log_format: String
    var masks: [String]
    var drain_published_accuracy: Double?
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Minimal CSV reader (RFC 4180 quoting), enough for the Loghub structured files.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var inQuotes = false
    var iterator = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if inQuotes {
            if c == "\"" {
                if let n = iterator.next() {
                    if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                } else {
                    inQuotes = false
                }
            } else {
                field.unicodeScalars.append(c)
            }
        } else if c == "\"" {
            inQuotes = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\n" {
            row.append(field); field = ""; rows.append(row); row = []
        } else if c == "\r" {
        } else {
            field.unicodeScalars.append(c)
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

func csvQuote(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

/// logpai's get_accuracy: a line is correct when its predicted group holds exactly the lines of one truth group.
func groupingAccuracy(truth: [String], predicted: [String]) -> Double {
    var truthSize: [String: Int] = [:]
    for t in truth { truthSize[t, default: 0] += 1 }
    var groups: [String: [Int]] = [:]
    for (i, p) in predicted.enumerated() { groups[p, default: []].append(i) }
    var correct = 0
    for (_, lines) in groups {
        let truths = Set(lines.map { truth[$0] })
        if truths.count == 1, let t = truths.first, truthSize[t] == lines.count { correct += lines.count }
    }
    return truth.isEmpty ? 0 : Double(correct) / Double(truth.count)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var repeats = 5
var threshold: Double? = nil
var only: String? = nil
var positional: [String] = []
var verbose = false
while !arguments.isEmpty {
    let a = arguments.removeFirst()
    switch a {
    case "--repeat": repeats = Int(arguments.removeFirst()) ?? 5
    case "--threshold": threshold = Double(arguments.removeFirst())
    case "--system": only = arguments.removeFirst()
    case "--verbose": verbose = true
    default: positional.append(a)
    }
}
guard positional.count == 2 else {
    FileHandle.standardError.write(Data("usage: MineBench DATA_DIR OUT_DIR [--repeat N] [--threshold T]\n".utf8))
    exit(2)
}
let dataDir = URL(fileURLWithPath: positional[0])
let outDir = URL(fileURLWithPath: positional[1])
try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
let settings = try JSONDecoder().decode(
    [String: Settings].self, from: Data(contentsOf: dataDir.appendingPathComponent("settings.json")))
var options = MinerOptions()
if let threshold { options.similarityThreshold = threshold }

var accuracies: [Double] = []
var totalLines = 0
var totalSeconds = 0.0
for system in settings.keys.sorted() where only == nil || only == system {
    guard let setting = settings[system] else { continue }
    let logURL = dataDir.appendingPathComponent(system).appendingPathComponent("\(system)_2k.log")
    let text = try String(contentsOf: logURL, encoding: .utf8)
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
    if lines.last == "" { lines.removeLast() }
    var bestSeconds = Double.infinity
    var rows: [(Int, TemplateMatch)] = []
    var finalMiner: LogMiner? = nil
    for _ in 0..<max(1, repeats) {
        var miner = try LogMiner(format: setting.log_format, masks: setting.masks, options: options)
        var matches: [(Int, TemplateMatch)] = []
        matches.reserveCapacity(lines.count)
        let start = cpuSeconds()
        for (i, line) in lines.enumerated() {
            matches.append((i + 1, miner.add(line: line).match))
        }
        let elapsed = cpuSeconds() - start
        bestSeconds = min(bestSeconds, elapsed)
        rows = matches
        finalMiner = miner
    }
    guard let miner = finalMiner else { continue }
    if verbose {
        // Where the time goes: splitting alone, then splitting and masking.
        let probe = try LogMiner(format: setting.log_format, masks: setting.masks, options: options)
        var t0 = cpuSeconds()
        var sink = 0
        for line in lines { sink &+= probe.split(line).content.utf8.count }
        let splitSeconds = cpuSeconds() - t0
        t0 = cpuSeconds()
        for line in lines { sink &+= probe.masker.mask(probe.split(line).content).utf8.count }
        let maskSeconds = cpuSeconds() - t0
        print(
            "  split \(Int(splitSeconds * 1e9) / lines.count) ns/line, split+mask \(Int(maskSeconds * 1e9) / lines.count) ns/line, all \(Int(bestSeconds * 1e9) / lines.count) ns/line (\(sink % 2))"
        )
    }
    var csv = "LineId,EventId,EventTemplate\n"
    var predicted: [String] = []
    for (lineId, match) in rows {
        let t = miner.miner.current(match)
        predicted.append(t.id.rawValue)
        csv += "\(lineId),\(t.id.rawValue),\(csvQuote(t.text))\n"
    }
    try csv.write(
        to: outDir.appendingPathComponent("\(system)_2k.log_structured.csv"), atomically: true, encoding: .utf8)
    let truthRows = parseCSV(
        try String(
            contentsOf: dataDir.appendingPathComponent(system).appendingPathComponent(
                "\(system)_2k.log_structured.csv"),
            encoding: .utf8))
    let header = truthRows.first ?? []
    let eventColumn = header.firstIndex(of: "EventId") ?? 0
    let truth = truthRows.dropFirst().map { $0.count > eventColumn ? $0[eventColumn] : "" }
    let n = min(truth.count, predicted.count)
    let accuracy = groupingAccuracy(truth: Array(truth.prefix(n)), predicted: Array(predicted.prefix(n)))
    accuracies.append(accuracy)
    totalLines += lines.count
    totalSeconds += bestSeconds
    let rate = Double(lines.count) / bestSeconds
    print(
        "{\"system\":\"\(system)\",\"lines\":\(lines.count),\"truthRows\":\(truth.count),\"accuracy\":\(accuracy),"
            + "\"templates\":\(miner.miner.templates.count),\"cpuSeconds\":\(bestSeconds),\"linesPerSecond\":\(Int(rate)),"
            + "\"drainPublished\":\(setting.drain_published_accuracy ?? -1)}")
    if verbose {
        // Which truth groups are split or merged: the evaluator's errors.
        var byPred: [String: [Int]] = [:]
        for i in 0..<n { byPred[predicted[i], default: []].append(i) }
        var truthCount: [String: Int] = [:]
        for t in truth { truthCount[t, default: 0] += 1 }
        for (p, idx) in byPred.sorted(by: { $0.value.count > $1.value.count }) {
            let ts = Set(idx.map { truth[$0] })
            if ts.count == 1, let t = ts.first, truthCount[t] == idx.count { continue }
            let tmpl = miner.miner.current(id: TemplateID(rawValue: p))?.text ?? p
            let desc = ts.map { t in "\(t)(\(idx.filter { i in truth[i] == t }.count)/\(truthCount[t] ?? 0))" }.sorted()
                .joined(separator: " ")
            print("  WRONG \(idx.count) [\(tmpl)] truth: \(desc)")
        }
    }
}
let mean = accuracies.isEmpty ? 0 : accuracies.reduce(0, +) / Double(accuracies.count)
print(
    "{\"summary\":true,\"meanAccuracy\":\(mean),\"minAccuracy\":\(accuracies.min() ?? 0),\"lines\":\(totalLines),"
        + "\"cpuSeconds\":\(totalSeconds),\"linesPerSecond\":\(Int(Double(totalLines) / totalSeconds))}")
