/// The persisted form: options, clusters (merged ones too, so that old ids still resolve) and the memory of which
/// token sequence went where. Buckets and the text index are rebuilt on decode.
extension TemplateMiner: Codable {
    private enum CodingKeys: String, CodingKey {
        case version, options, clusters, seen, history
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(options: try container.decode(MinerOptions.self, forKey: .options))
        clusters = try container.decode([Cluster].self, forKey: .clusters)
        let seenPairs = try container.decode([String: Int].self, forKey: .seen)
        for (index, cluster) in clusters.enumerated() {
            if let target = cluster.mergedInto, !clusters.indices.contains(target) || target == index {
                throw DecodingError.dataCorruptedError(
                    forKey: .clusters, in: container, debugDescription: "cluster \(index) merged into \(target)")
            }
            history[cluster.id] = index
            if cluster.mergedInto == nil {
                buckets[cluster.bucket, default: []].append(index)
                byText[cluster.text] = index
                if options.optionalValues, let skeleton = Self.skeleton(cluster.tokens), bySkeleton[skeleton] == nil {
                    bySkeleton[skeleton] = index
                }
            }
        }
        for (key, index) in seenPairs where clusters.indices.contains(index) {
            seen[key] = index
        }
        for index in clusters.indices where clusters[index].mergedInto == nil && index < Self.siblingLimit {
            for (key, position) in siblingKeys(clusters[index].tokens) {
                siblings[key, default: []].append(index)
                siblingPositions[key] = position
            }
        }
        for (key, members) in siblings where members.count >= 2 {
            guard let position = siblingPositions[key] else { continue }
            for member in members { siblingWords[clusters[member].tokens[position], default: []].insert(key) }
        }
        // Ids of merged clusters resolve to the live cluster they were folded into; ids a template had before it
        // generalised, to that template.
        for (index, cluster) in clusters.enumerated() where cluster.mergedInto != nil {
            history[cluster.id] = resolve(index)
        }
        for (id, index) in try container.decodeIfPresent([String: Int].self, forKey: .history) ?? [:]
        where clusters.indices.contains(index) {
            history[TemplateID(rawValue: id)] = index
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(1, forKey: .version)
        try container.encode(options, forKey: .options)
        try container.encode(clusters, forKey: .clusters)
        try container.encode(seen, forKey: .seen)
        try container.encode(
            Dictionary(uniqueKeysWithValues: history.map { ($0.key.rawValue, $0.value) }), forKey: .history)
    }
}
