import Foundation
import GraceDSL
import Interpreter
import LogMining

/// Recognises warning- and error-level lines by their mined template, one miner per kernel (its `logs.format`
/// and `logs.masks`), and says which learned binding, if any, answers for each. A value owned by the healer:
/// sightings and miner changes accumulate here and are taken in batches to be written (`takeBatch`).
struct SignatureRecognizer {
    /// What to write to the knowledge base since the last batch.
    struct Batch {
        var sightings: [SightingCount] = []
        var renames: [(old: String, new: String, template: String)] = []
        var miners: [String: Data] = [:]
        var isEmpty: Bool { sightings.isEmpty && renames.isEmpty && miners.isEmpty }
    }

    private var miners: [String: LogMiner] = [:]
    private var errorLevels: [String: Set<String>] = [:]
    private var bindings: [String: [BindingEvidence]]
    private var declared: DeclaredSignatures
    private var playbooks: Set<String>
    private var policy: BindingPolicy
    private var pending: [String: SightingCount] = [:]
    private var renames: [(old: String, new: String, template: String)] = []
    private var dirty: Set<String> = []
    private var random = SystemRandomNumberGenerator()
    /// Kernels whose format or masks do not compile (`grace validate` refuses them; kept for safety).
    private(set) var problems: [String: String] = [:]

    /// - Parameters:
    ///   - saved: each kernel's miner as persisted (`TemplateMiner` JSON); a kernel whose saved miner cannot be
    ///     read starts afresh.
    ///   - bindings: every binding in the knowledge base, by signature.
    init(graph: ExecutionGraph, saved: [String: Data], bindings: [String: [BindingEvidence]]) {
        self.bindings = bindings
        declared = DeclaredSignatures(graph.signatures)
        playbooks = Set(graph.playbooks.map(\.header.name.value))
        policy = BindingPolicy(graph.settings?.knowledge ?? .init())
        for kernel in graph.kernels { install(kernel, saved: saved[kernel.header.name.value]) }
    }

    /// Takes a new graph: kernels whose log settings changed get a fresh miner, the others keep theirs.
    mutating func reload(_ graph: ExecutionGraph) {
        declared = DeclaredSignatures(graph.signatures)
        playbooks = Set(graph.playbooks.map(\.header.name.value))
        policy = BindingPolicy(graph.settings?.knowledge ?? .init())
        let names = Set(graph.kernels.map(\.header.name.value))
        miners = miners.filter { names.contains($0.key) }
        for kernel in graph.kernels {
            let name = kernel.header.name.value
            if let miner = miners[name], miner.formatText == kernel.logs.format?.value,
                miner.maskTexts == kernel.logs.masks.map(\.value)
            {
                errorLevels[name] = Set(kernel.logs.errorLevels.map { $0.uppercased() })
                continue
            }
            install(kernel, saved: nil)
        }
    }

    private mutating func install(_ kernel: Kernel, saved: Data?) {
        let name = kernel.header.name.value
        let format = kernel.logs.format?.value
        let masks = kernel.logs.masks.map(\.value)
        errorLevels[name] = Set(kernel.logs.errorLevels.map { $0.uppercased() })
        do {
            if let saved, let miner = try? JSONDecoder().decode(TemplateMiner.self, from: saved) {
                miners[name] = try LogMiner(format: format, masks: masks, miner: miner)
            } else {
                miners[name] = try LogMiner(format: format, masks: masks)
            }
        } catch {
            problems[name] = String(describing: error)
        }
    }

    /// The learned bindings of a signature changed (an outcome was recorded, a binding dropped).
    mutating func update(_ signature: String, bindings new: [BindingEvidence]) {
        bindings[signature] = new.isEmpty ? nil : new
    }

    /// Mines one line; a sighting for a warning or worse, nil for other lines and for lines a declared signature
    /// matches (those are counted under the declared signature and handled by the `logLine` event).
    mutating func observe(_ line: LogLine) -> SignatureSighting? {
        guard var miner = miners[line.kernel] else { return nil }
        let parts = miner.split(line.text)
        let severity = severity(of: parts, text: line.text, kernel: line.kernel)
        guard severity >= .warning else { return nil }
        if let signature = declared.firstMatch(parts.content, kernel: line.kernel) {
            let name = signature.header.name.value
            count(
                id: "declared:" + name, template: Self.declaredText(signature), severity: severity, line: line,
                content: parts.content)
            return nil
        }
        // Mask and group the message already split above (LogMiner.add(line:) would split the line again).
        let match = miner.miner.add(miner.masker.mask(parts.content))
        miners[line.kernel] = miner
        dirty.insert(line.kernel)
        let id = match.template.id.description
        for old in ([match.replaced].compactMap { $0 } + match.merged).map(\.description) where old != id {
            renames.append((old, id, match.template.text))
            if let moved = bindings.removeValue(forKey: old) {
                bindings[id] = Self.merge(bindings[id] ?? [], moved)
            }
            for (key, value) in pending where value.signature == old {
                pending[key] = nil
                var moved = value
                moved.signature = id
                moved.template = match.template.text
                pending[id + "|" + value.kernel] = Self.add(pending[id + "|" + value.kernel], moved)
            }
        }
        count(id: id, template: match.template.text, severity: severity, line: line, content: parts.content)
        let candidates = (bindings[id] ?? []).filter { playbooks.contains($0.playbook) }
        return SignatureSighting(
            kernel: line.kernel, line: line.text, content: parts.content, signature: id, template: match.template.text,
            severity: severity, playbook: policy.choose(candidates, using: &random)?.playbook)
    }

    /// Whether anything waits to be written.
    var hasPending: Bool { !pending.isEmpty || !renames.isEmpty || !dirty.isEmpty }

    /// Sightings, renames and changed miners since the last batch.
    mutating func takeBatch() -> Batch {
        var batch = Batch()
        batch.sightings = pending.values.sorted { ($0.signature, $0.kernel) < ($1.signature, $1.kernel) }
        batch.renames = renames
        let encoder = JSONEncoder()
        for kernel in dirty.sorted() {
            if let miner = miners[kernel], let data = try? encoder.encode(miner.miner) { batch.miners[kernel] = data }
        }
        pending = [:]
        renames = []
        dirty = []
        return batch
    }

    /// Counts a sighting; the example kept is the message part, which is what the template describes.
    private mutating func count(
        id: String, template: String, severity: SignatureSighting.Severity, line: LogLine, content: String
    ) {
        let sighting = SightingCount(
            signature: id, template: template, severity: severity, kernel: line.kernel, example: content,
            firstSeen: line.time, lastSeen: line.time)
        pending[id + "|" + line.kernel] = Self.add(pending[id + "|" + line.kernel], sighting)
    }

    private static func add(_ a: SightingCount?, _ b: SightingCount) -> SightingCount {
        guard var a else { return b }
        a.count += b.count
        a.firstSeen = min(a.firstSeen, b.firstSeen)
        a.lastSeen = max(a.lastSeen, b.lastSeen)
        a.example = b.example
        a.severity = max(a.severity, b.severity)
        return a
    }

    private static func merge(_ a: [BindingEvidence], _ b: [BindingEvidence]) -> [BindingEvidence] {
        var byPlaybook = Dictionary(a.map { ($0.playbook, $0) }) { x, _ in x }
        for binding in b {
            if var existing = byPlaybook[binding.playbook] {
                existing.successes += binding.successes
                existing.failures += binding.failures
                byPlaybook[binding.playbook] = existing
            } else {
                byPlaybook[binding.playbook] = binding
            }
        }
        return byPlaybook.values.sorted { $0.playbook < $1.playbook }
    }

    /// The level field when the format has one, weighed by the kernel's `logs.error_levels`; otherwise a level word among the line's first tokens
    /// (`[ERROR]`, `error:`, `WARN`), as most loggers write it.
    private func severity(of parts: LogMining.LogLine, text: String, kernel: String) -> SignatureSighting.Severity {
        let level = parts.level ?? Self.levelWord(in: text)
        guard let level else { return .info }
        let severity = SignatureSighting.Severity(level: level)
        if errorLevels[kernel]?.contains(level.uppercased()) == true { return max(severity, .error) }
        // The kernel's `error_levels` decide what is an error; other levels are at most warnings.
        return min(severity, .warning)
    }

    static func levelWord(in text: String) -> String? {
        for token in text.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).prefix(5) {
            let word = token.trimmingCharacters(in: CharacterSet(charactersIn: "[]():<>|"))
            if SignatureSighting.Severity(level: word) != .info { return word }
        }
        return nil
    }

    static func declaredText(_ signature: Signature) -> String {
        switch signature.matcher {
        case .pattern(let p): p.value
        case .regex(let r): r.value
        }
    }
}

extension LogMiner {
    /// The format and masks this miner was made with, to tell whether a reload changed them.
    var formatText: String? { format?.format }
    var maskTexts: [String] { masker.patterns }
}
