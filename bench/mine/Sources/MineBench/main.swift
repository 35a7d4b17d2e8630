// MineBench DATA_DIR OUT_DIR [--repeat N] [--threshold T] [--system NAME] [--verbose] [--no-masks]
// MineBench DATA_DIR --grid
//
// For each system in DATA_DIR/settings.json: mines DATA_DIR/SYS/SYS_2k.log with the system's format and masks
// (nothing else from the settings: no per-system threshold or depth), writes OUT_DIR/SYS_2k.log_structured.csv
// (LineId,EventId,EventTemplate, as `grace logs mine` prints it), scores it against SYS_2k.log_structured.csv as
// logpai's get_accuracy does, and measures this thread's CPU time, best of N repeats:
//   - mine: split, mask and group the lines already in memory (what the runtime does per line);
//   - endToEnd: read the file, split it into lines, mine, render the CSV and write it (what `grace logs mine`
//     does, and what Drain's parse() times).
// Prints one JSON object per system and a summary line.
//
// --grid: accuracy only, for every setting of the miner's options in a fixed grid (MinerOptions: similarity
// threshold, distinct values for a variable, shared words, multi-token values), with the settings' masks and with
// none; one JSON object per setting, mask choice and system, for loso.py's leave-one-system-out selection.
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
            row.append(field)
            field = ""
        } else if c == "\n" {
            row.append(field)
            field = ""
            rows.append(row)
            row = []
        } else if c != "\r" {
            field.unicodeScalars.append(c)
        }
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
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
var noMasks = false
var grid = false
while !arguments.isEmpty {
    let a = arguments.removeFirst()
    switch a {
    case "--repeat": repeats = Int(arguments.removeFirst()) ?? 5
    case "--threshold": threshold = Double(arguments.removeFirst())
    case "--system": only = arguments.removeFirst()
    case "--verbose": verbose = true
    case "--no-masks": noMasks = true
    case "--grid": grid = true
    default: positional.append(a)
    }
}
guard positional.count == 2 || (grid && positional.count == 1) else {
    FileHandle.standardError.write(Data("usage: MineBench DATA_DIR OUT_DIR [--repeat N] [--threshold T]\n".utf8))
    exit(2)
}
let dataDir = URL(fileURLWithPath: positional[0])
var settings = try JSONDecoder().decode(
    [String: Settings].self, from: Data(contentsOf: dataDir.appendingPathComponent("settings.json")))
if noMasks {
    // How much the value shapes alone achieve, for systems whose masks nobody wrote.
    for key in settings.keys { settings[key]?.masks = [] }
}
let options: MinerOptions = {
    var options = MinerOptions()
    if let threshold { options.similarityThreshold = threshold }
    return options
}()

/// Mines `lines`; the matches, in order, and the miner.
func mine(_ lines: [String], _ setting: Settings, _ options: MinerOptions) throws -> ([TemplateMatch], LogMiner) {
    var miner = try LogMiner(format: setting.log_format, masks: setting.masks, options: options)
    var matches: [TemplateMatch] = []
    matches.reserveCapacity(lines.count)
    for line in lines { matches.append(miner.add(line: line).match) }
    return (matches, miner)
}

/// The ground truth's event ids, in line order.
func truthEvents(_ system: String) throws -> [String] {
    let truthRows = parseCSV(
        try String(
            contentsOf: dataDir.appendingPathComponent(system).appendingPathComponent(
                "\(system)_2k.log_structured.csv"), encoding: .utf8))
    let eventColumn = truthRows.first?.firstIndex(of: "EventId") ?? 0
    return truthRows.dropFirst().map { $0.count > eventColumn ? $0[eventColumn] : "" }
}

if grid {
    let systems = settings.keys.sorted().filter { only == nil || only == $0 }
    var inputs: [(system: String, lines: [String], truth: [String])] = []
    for system in systems {
        let logURL = dataDir.appendingPathComponent(system).appendingPathComponent("\(system)_2k.log")
        inputs.append((system, LogText.lines(try Data(contentsOf: logURL)), try truthEvents(system)))
    }
    for threshold in [0.8, 0.85, 0.9, 0.95, 1.0] {
        for distinct in [0, 3, 4, 5, 6, 8] {
            for shared in [false, true] {
                for (multi, optional) in [(false, false), (true, false), (true, true)] {
                    let options = MinerOptions(
                        similarityThreshold: threshold, distinctValuesForVariable: distinct, sharedWords: shared,
                        multiTokenValues: multi, optionalValues: optional)
                    for masks in [true, false] {
                        for input in inputs {
                            guard var setting = settings[input.system] else { continue }
                            if !masks { setting.masks = [] }
                            let (matches, miner) = try mine(input.lines, setting, options)
                            let predicted = matches.map { miner.miner.current($0).id.rawValue }
                            let n = min(input.truth.count, predicted.count)
                            let accuracy = groupingAccuracy(
                                truth: Array(input.truth.prefix(n)), predicted: Array(predicted.prefix(n)))
                            print(
                                "{\"threshold\":\(threshold),\"distinct\":\(distinct),\"shared\":\(shared),"
                                    + "\"multi\":\(multi),\"optional\":\(optional),\"masks\":\(masks),"
                                    + "\"system\":\"\(input.system)\","
                                    + "\"accuracy\":\(accuracy)}")
                        }
                    }
                }
            }
        }
    }
    exit(0)
}
let outDir = URL(fileURLWithPath: positional[1])
try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)

func render(_ matches: [TemplateMatch], _ miner: LogMiner) -> Data {
    LogText.csv(matches.map { miner.miner.current($0) })
}

var accuracies: [Double] = []
var totalLines = 0
var totalMine = 0.0
var totalEndToEnd = 0.0
for system in settings.keys.sorted() where only == nil || only == system {
    guard let setting = settings[system] else { continue }
    let logURL = dataDir.appendingPathComponent(system).appendingPathComponent("\(system)_2k.log")
    let csvURL = outDir.appendingPathComponent("\(system)_2k.log_structured.csv")
    let lines = LogText.lines(try Data(contentsOf: logURL))
    var bestMine = Double.infinity
    var bestEndToEnd = Double.infinity
    var result: ([TemplateMatch], LogMiner)? = nil
    for _ in 0..<max(1, repeats) {
        var start = cpuSeconds()
        let mined = try mine(lines, setting, options)
        bestMine = min(bestMine, cpuSeconds() - start)
        result = mined
        start = cpuSeconds()
        let fileLines = LogText.lines(try Data(contentsOf: logURL))
        let (matches, miner) = try mine(fileLines, setting, options)
        try render(matches, miner).write(to: csvURL)
        bestEndToEnd = min(bestEndToEnd, cpuSeconds() - start)
    }
    guard let (matches, miner) = result else { continue }
    let predicted = matches.map { miner.miner.current($0).id.rawValue }
    let truth = try truthEvents(system)
    let n = min(truth.count, predicted.count)
    let accuracy = groupingAccuracy(truth: Array(truth.prefix(n)), predicted: Array(predicted.prefix(n)))
    accuracies.append(accuracy)
    totalLines += lines.count
    totalMine += bestMine
    totalEndToEnd += bestEndToEnd
    print(
        "{\"system\":\"\(system)\",\"lines\":\(lines.count),\"truthRows\":\(truth.count),\"accuracy\":\(accuracy),"
            + "\"templates\":\(miner.miner.templates.count),\"truthTemplates\":\(Set(truth).count),"
            + "\"mineCpuSeconds\":\(bestMine),\"linesPerSecond\":\(Int(Double(lines.count) / bestMine)),"
            + "\"endToEndCpuSeconds\":\(bestEndToEnd),"
            + "\"endToEndLinesPerSecond\":\(Int(Double(lines.count) / bestEndToEnd)),"
            + "\"drainPublished\":\(setting.drain_published_accuracy ?? -1)}")
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
            "  split \(Int(splitSeconds * 1e9) / lines.count) ns/line, split+mask "
                + "\(Int(maskSeconds * 1e9) / lines.count) ns/line, all \(Int(bestMine * 1e9) / lines.count) ns/line"
                + " (\(sink % 2))")
        // The evaluator's errors: predicted groups that are not exactly one truth group.
        var byPrediction: [String: [Int]] = [:]
        for i in 0..<n { byPrediction[predicted[i], default: []].append(i) }
        var truthCount: [String: Int] = [:]
        for t in truth { truthCount[t, default: 0] += 1 }
        for (p, indices) in byPrediction.sorted(by: { $0.value.count > $1.value.count }) {
            let truths = Set(indices.map { truth[$0] })
            if truths.count == 1, let t = truths.first, truthCount[t] == indices.count { continue }
            let text = miner.miner.current(id: TemplateID(rawValue: p))?.text ?? p
            let parts = truths.sorted().map { t in
                "\(t)(\(indices.filter { truth[$0] == t }.count)/\(truthCount[t] ?? 0))"
            }
            print("  WRONG \(indices.count) [\(text)] truth: \(parts.joined(separator: " "))")
        }
    }
}
let mean = accuracies.isEmpty ? 0 : accuracies.reduce(0, +) / Double(accuracies.count)
print(
    "{\"summary\":true,\"meanAccuracy\":\(mean),\"minAccuracy\":\(accuracies.min() ?? 0),\"lines\":\(totalLines),"
        + "\"mineCpuSeconds\":\(totalMine),\"linesPerSecond\":\(Int(Double(totalLines) / totalMine)),"
        + "\"endToEndCpuSeconds\":\(totalEndToEnd),"
        + "\"endToEndLinesPerSecond\":\(Int(Double(totalLines) / totalEndToEnd))}")
