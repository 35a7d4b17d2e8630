/// Groups masked messages into templates one line at a time: a line whose constant words are those of a template,
/// in the same order, joins it (values may span several tokens or be absent; `MinerOptions.multiTokenValues`,
/// `.optionalValues`); otherwise, Drain-style, lines of the same length and first token are compared with the
/// templates there, and the most similar one above the threshold takes the line and generalises where they
/// differ. A value: copy it, encode it, restore it; a restored miner continues with the same templates and ids.
public struct TemplateMiner: Sendable {
    public let options: MinerOptions

    struct Cluster: Sendable, Codable {
        var tokens: [String]
        var text: String
        var id: TemplateID
        var count: Int
        /// Set once this cluster was folded into another one.
        var mergedInto: Int?
        /// Its key in `buckets`; it changes when a value becomes optional and the template gets longer.
        var bucket: String
    }

    var clusters: [Cluster] = []
    /// Token sequence of a line (after variable detection) -> the cluster that took it: most lines repeat one.
    var seen: [String: Int] = [:]
    /// Bucket key (length and first constant token) -> live clusters.
    var buckets: [String: [Int]] = [:]
    /// Text of each live cluster -> cluster.
    var byText: [String: Int] = [:]
    /// With `MinerOptions.optionalValues`: the constant words of each live cluster, in order (its statement's
    /// fixed text) -> that cluster. Lines with those words in that order belong to it, whatever values they have
    /// between them, or lack.
    var bySkeleton: [String: Int] = [:]
    /// Every id ever given -> the cluster that had it last.
    var history: [TemplateID: Int] = [:]
    /// A template with one constant position p replaced by `<*>` (and p) -> the live templates that have that
    /// shape: the same everywhere but at p. When they reach `MinerOptions.distinctValuesForVariable`, p is a
    /// variable (a user name, a host) and they become one template.
    var siblings: [String: [Int]] = [:]
    /// Each sibling key's varying position, and, for `sharedWords`, which keys each varying word appears under.
    var siblingPositions: [String: Int] = [:]
    var siblingWords: [String: Set<String>] = [:]

    /// How many templates of a bucket a new line is compared with, most recent first.
    static let candidateLimit = 512
    /// Templates (by order of creation) that take part in the distinct-values and shared-words rules.
    static let siblingLimit = 10_000

    /// How many distinct token sequences `seen` remembers before it starts afresh.
    var seenLimit = 50_000

    public init(options: MinerOptions = .init()) {
        self.options = options
    }

    /// Live templates, in order of first appearance.
    public var templates: [MinedTemplate] {
        clusters.filter { $0.mergedInto == nil }.map { MinedTemplate(id: $0.id, text: $0.text, count: $0.count) }
    }

    /// Learns `maskedContent` and says which template it belongs to.
    public mutating func add(_ maskedContent: String) -> TemplateMatch {
        let key = Tokenizer.key(
            maskedContent, digitsAreVariables: options.digitTokensAreVariables,
            joiningValueRuns: options.multiTokenValues)
        if seen.count >= seenLimit, seen[key] == nil {
            // A memory, not the model: a kernel that never repeats a token sequence must not grow it forever.
            // Forgotten sequences are grouped again by similarity, into the same templates as a rule.
            seen.removeAll(keepingCapacity: true)
        }
        if let known = seen[key] {
            let index = resolve(known)
            clusters[index].count += 1
            return match(index, replaced: nil, merged: [], isNew: false)
        }
        if let same = byText[key] {
            seen[key] = same
            clusters[same].count += 1
            return match(same, replaced: nil, merged: [], isNew: false)
        }
        let tokens = Tokenizer.tokens(ofKey: key)
        let skeleton = options.optionalValues ? Self.skeleton(tokens) : nil
        if let skeleton, let found = bySkeleton[skeleton], Self.skeleton(clusters[resolve(found)].tokens) == skeleton {
            // The same constant words in the same order: the same statement, with a value here that it lacked
            // there. The template gets a `<*>` wherever either has a value.
            let target = resolve(found)
            seen[key] = target
            clusters[target].count += 1
            let widened = Self.union(clusters[target].tokens, tokens)
            guard widened != clusters[target].tokens else {
                return match(target, replaced: nil, merged: [], isNew: false)
            }
            let before = clusters[target].id
            let merged = retext(target, to: widened)
            return match(resolve(target), replaced: before, merged: merged, isNew: false)
        }
        let bucket = Self.bucketKey(tokens)
        if let (best, _) = bestCluster(for: tokens, in: bucket) {
            seen[key] = best
            clusters[best].count += 1
            let before = clusters[best].id
            var generalised = clusters[best].tokens
            for position in generalised.indices where !Tokenizer.takes(generalised[position], tokens[position]) {
                generalised[position] = Tokenizer.generalised(generalised[position], tokens[position])
            }
            guard generalised != clusters[best].tokens else {
                return match(best, replaced: nil, merged: [], isNew: false)
            }
            let merged = retext(best, to: generalised)
            return match(resolve(best), replaced: before, merged: merged, isNew: false)
        }
        let index = clusters.count
        let id = TemplateID(templateText: key)
        clusters.append(Cluster(tokens: tokens, text: key, id: id, count: 1, mergedInto: nil, bucket: bucket))
        buckets[bucket, default: []].append(index)
        byText[key] = index
        history[id] = index
        seen[key] = index
        if let skeleton { bySkeleton[skeleton] = index }
        let groups = registerSiblings(index)
        if !groups.isEmpty {
            var merged: [TemplateID] = []
            for group in groups {
                // A group named before an earlier merge may have lost members to it: only live ones that still
                // have their word there.
                let live = Set(group.members.map { resolve($0) }).filter {
                    clusters[$0].tokens.indices.contains(group.position)
                        && !Tokenizer.isVariable(clusters[$0].tokens[group.position])
                }
                guard live.count >= 2 else { continue }
                merged += mergeSiblings(Array(live), at: group.position)
            }
            let final = clusters[resolve(index)].id
            return match(resolve(index), replaced: nil, merged: merged.filter { $0 != id && $0 != final }, isNew: false)
        }
        return match(index, replaced: nil, merged: [], isNew: true)
    }

    /// The template `maskedContent` belongs to, without learning: the template it was grouped into before, one
    /// that covers it (every constant token equal), or, with optional values, the one with its constant words in
    /// the same order. Nil when none does.
    public func match(_ maskedContent: String) -> MinedTemplate? {
        let key = Tokenizer.key(
            maskedContent, digitsAreVariables: options.digitTokensAreVariables,
            joiningValueRuns: options.multiTokenValues)
        var found = seen[key] ?? byText[key]
        if found == nil {
            let tokens = Tokenizer.tokens(ofKey: key)
            found = buckets[Self.bucketKey(tokens)]?.first { index in
                zip(clusters[index].tokens, tokens).allSatisfy { Tokenizer.takes($0, $1) }
            }
            if found == nil, options.optionalValues, let skeleton = Self.skeleton(tokens) {
                found = bySkeleton[skeleton]
            }
        }
        guard let found else { return nil }
        let index = resolve(found)
        return MinedTemplate(id: clusters[index].id, text: clusters[index].text, count: clusters[index].count)
    }

    /// The current template of the line that got `match`: later lines may have generalised or merged it.
    public func current(_ match: TemplateMatch) -> MinedTemplate {
        // A match from another miner (not this one or an earlier state of it) may point past these templates.
        guard clusters.indices.contains(match.cluster) else { return current(id: match.template.id) ?? match.template }
        let index = resolve(match.cluster)
        return MinedTemplate(id: clusters[index].id, text: clusters[index].text, count: clusters[index].count)
    }

    /// The current template that an id given earlier became, if this miner ever gave it.
    public func current(id: TemplateID) -> MinedTemplate? {
        guard let index = history[id] else { return nil }
        let live = resolve(index)
        return MinedTemplate(id: clusters[live].id, text: clusters[live].text, count: clusters[live].count)
    }

    // MARK: - Internals

    private func match(_ index: Int, replaced: TemplateID?, merged: [TemplateID], isNew: Bool) -> TemplateMatch {
        let cluster = clusters[index]
        return TemplateMatch(
            template: MinedTemplate(id: cluster.id, text: cluster.text, count: cluster.count), replaced: replaced,
            merged: merged, isNew: isNew, cluster: index)
    }

    func resolve(_ index: Int) -> Int {
        var current = index
        while let next = clusters[current].mergedInto { current = next }
        return current
    }

    static func bucketKey(_ tokens: [String]) -> String {
        "\(tokens.count) \(tokens.first ?? "")"
    }

    /// The constant words of a template or line, in order: the fixed text of its statement. Nil with fewer than
    /// two: one word alone says too little of which statement it is to group lines whose values differ in place.
    static func skeleton(_ tokens: [String]) -> String? {
        var constants = 0
        var text = ""
        for token in tokens where token != Tokenizer.wildcard {
            if constants > 0 { text += " " }
            text += token
            constants += 1
        }
        return constants >= 2 ? text : nil
    }

    /// Two token sequences with the same constant words in the same order, with as many `<*>` before, between and
    /// after those words as the one with more has there.
    static func union(_ a: [String], _ b: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(max(a.count, b.count) + 1)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            var inA = 0
            while i < a.count, a[i] == Tokenizer.wildcard {
                inA += 1
                i += 1
            }
            var inB = 0
            while j < b.count, b[j] == Tokenizer.wildcard {
                inB += 1
                j += 1
            }
            result.append(contentsOf: repeatElement(Tokenizer.wildcard, count: max(inA, inB)))
            if i < a.count {
                result.append(a[i])
                i += 1
                if j < b.count { j += 1 }
            } else if j < b.count {
                result.append(b[j])
                j += 1
            }
        }
        return result
    }

    /// The most similar live cluster in the bucket, if similar enough.
    private func bestCluster(for tokens: [String], in bucket: String) -> (Int, Double)? {
        guard let candidates = buckets[bucket] else { return nil }
        var best: (Int, Double)?
        // The most recent templates of the bucket only: a kernel whose lines never repeat (free text) would
        // otherwise make every new line cost as much as all the templates before it.
        for index in candidates.suffix(Self.candidateLimit) {
            guard let similarity = Self.similarity(clusters[index].tokens, tokens, atLeast: options.similarityThreshold)
            else { continue }
            if similarity > (best?.1 ?? -1) {
                best = (index, similarity)
            }
        }
        return best
    }

    /// The share of agreeing positions among those where either side is constant (a template's `<*>` takes any
    /// word), or nil as soon as it cannot reach `threshold`.
    static func similarity(_ template: [String], _ tokens: [String], atLeast threshold: Double) -> Double? {
        // At most this many disagreements can still reach the threshold, whatever the rest holds.
        let allowed = Double(tokens.count) * (1 - threshold)
        var same = 0
        var constant = 0
        var different = 0
        for (a, b) in zip(template, tokens) where a != Tokenizer.wildcard || b != Tokenizer.wildcard {
            constant += 1
            if Tokenizer.takes(a, b) {
                same += 1
            } else {
                different += 1
                if Double(different) > allowed { return nil }
            }
        }
        let similarity = constant == 0 ? 1 : Double(same) / Double(constant)
        return similarity >= threshold ? similarity : nil
    }

    /// The sibling keys of a template: one per constant position. None for long templates (the count of keys
    /// and their length both grow with the length) or when the option is off.
    func siblingKeys(_ tokens: [String]) -> [(key: String, position: Int)] {
        guard options.distinctValuesForVariable > 1, tokens.count <= 48 else { return [] }
        // The rest must say what the event is: at least three constant words besides the varying one.
        guard tokens.lazy.filter({ $0 != Tokenizer.wildcard }).count >= 4 else { return [] }
        var keys: [(String, Int)] = []
        for position in tokens.indices where !Tokenizer.isVariable(tokens[position]) {
            var shape = tokens
            shape[position] = Tokenizer.variable(of: tokens[position])
            keys.append((shape.joined(separator: " "), position))
        }
        return keys
    }

    /// Files live cluster `index` under its sibling keys. Returns the groups that are now to become one template
    /// each: a group with enough distinct words; a group whose template with `<*>` exists already; and, when
    /// `sharedWords` is on, two groups of different shapes that have at least three of their words in common (the
    /// same names filling the slot of two different events are names of things, not kinds of events).
    mutating func registerSiblings(_ index: Int) -> [(members: [Int], position: Int)] {
        var groups: [(members: [Int], position: Int)] = []
        // Past this many templates the index (a key per constant word of each) would cost more memory than it
        // is worth: later templates are grouped by similarity alone.
        guard index < Self.siblingLimit else { return [] }
        for (key, position) in siblingKeys(clusters[index].tokens) {
            siblings[key, default: []].append(index)
            siblingPositions[key] = position
            guard let members = siblings[key] else { continue }
            if members.count >= 2 {
                for member in members.count == 2 ? members : [index] {
                    siblingWords[clusters[member].tokens[position], default: []].insert(key)
                }
            }
            guard groups.isEmpty else { continue }
            if members.count >= options.distinctValuesForVariable {
                groups.append((members, position))
            } else if let general = byText[key], general != index, clusters[general].mergedInto == nil {
                // The template with this word as a variable exists already (it was learned): join it.
                groups.append(([general, index], position))
            } else if options.sharedWords, members.count >= 2 {
                let words = Set(members.map { clusters[$0].tokens[position] })
                var others: Set<String> = []
                for word in words { others.formUnion(siblingWords[word] ?? []) }
                for other in others.sorted() where other != key {
                    guard let otherPosition = siblingPositions[other], let otherMembers = siblings[other],
                        otherMembers.count >= 2
                    else { continue }
                    let otherWords = Set(otherMembers.map { clusters[$0].tokens[otherPosition] })
                    if words.intersection(otherWords).count >= 3 {
                        groups.append((members, position))
                        groups.append((otherMembers, otherPosition))
                        break
                    }
                }
            }
        }
        return groups
    }

    mutating func unregisterSiblings(_ index: Int) {
        guard index < Self.siblingLimit else { return }
        for (key, _) in siblingKeys(clusters[index].tokens) {
            siblings[key]?.removeAll { $0 == index }
            if siblings[key]?.isEmpty == true { siblings[key] = nil }
        }
    }

    /// Folds templates that differ only at `position` into the oldest of them, with `<*>` there. Returns the ids
    /// that are gone.
    private mutating func mergeSiblings(_ members: [Int], at position: Int) -> [TemplateID] {
        let ordered = members.sorted()
        guard let survivor = ordered.first else { return [] }
        var gone: [TemplateID] = []
        for member in ordered.dropFirst() {
            unregisterSiblings(member)
            forgetSkeleton(member)
            gone.append(clusters[member].id)
            clusters[survivor].count += clusters[member].count
            clusters[member].mergedInto = survivor
            buckets[clusters[member].bucket]?.removeAll { $0 == member }
            byText[clusters[member].text] = nil
            history[clusters[member].id] = survivor
        }
        var tokens = clusters[survivor].tokens
        tokens[position] = Tokenizer.variable(of: tokens[position])
        gone.append(clusters[survivor].id)
        gone.append(contentsOf: retext(survivor, to: tokens))
        let final = clusters[resolve(survivor)].id
        return gone.filter { $0 != final }
    }

    /// Gives cluster `index` new tokens; if another live cluster already has that text (or, with optional values,
    /// the same constant words), the two become one. Returns the ids folded away (other than `index`'s own old id).
    private mutating func retext(_ index: Int, to tokens: [String]) -> [TemplateID] {
        let text = tokens.joined(separator: " ")
        byText[clusters[index].text] = nil
        forgetSkeleton(index)
        unregisterSiblings(index)
        if let other = byText[text], other != index {
            fold(index, into: other)
            return []
        }
        clusters[index].tokens = tokens
        clusters[index].text = text
        clusters[index].id = TemplateID(templateText: text)
        let bucket = Self.bucketKey(tokens)
        if bucket != clusters[index].bucket {
            buckets[clusters[index].bucket]?.removeAll { $0 == index }
            clusters[index].bucket = bucket
            // In order of creation, as the bucket's candidates are taken most recent last.
            var members = buckets[bucket, default: []]
            members.insert(index, at: members.firstIndex { $0 > index } ?? members.endIndex)
            buckets[bucket] = members
        }
        byText[text] = index
        history[clusters[index].id] = index
        if options.optionalValues, let skeleton = Self.skeleton(tokens) {
            if let other = bySkeleton[skeleton], other != index, clusters[other].mergedInto == nil {
                // Generalising made it the same statement as another template: one template, values from both.
                byText[text] = nil
                fold(index, into: other)
                let widened = Self.union(clusters[other].tokens, tokens)
                guard widened != clusters[other].tokens else { return [] }
                let before = clusters[other].id
                return [before] + retext(other, to: widened)
            }
            bySkeleton[skeleton] = index
        }
        _ = registerSiblings(index)
        return []
    }

    /// Takes cluster `index` out of `bySkeleton`.
    private mutating func forgetSkeleton(_ index: Int) {
        if options.optionalValues, let skeleton = Self.skeleton(clusters[index].tokens), bySkeleton[skeleton] == index {
            bySkeleton[skeleton] = nil
        }
    }

    /// Folds live cluster `index` (already out of `byText`, `bySkeleton` and the sibling index) into `other`.
    private mutating func fold(_ index: Int, into other: Int) {
        clusters[other].count += clusters[index].count
        clusters[index].mergedInto = other
        buckets[clusters[index].bucket]?.removeAll { $0 == index }
        history[clusters[index].id] = other
    }
}
