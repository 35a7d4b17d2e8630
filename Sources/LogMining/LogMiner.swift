/// One kernel's mining: its line format, its masks and its templates. A value, like `TemplateMiner`; encode it to
/// persist the templates (format and masks are configuration and are given again on restore).
public struct LogMiner: Sendable {
    public let format: LogFormat?
    public let masker: LogMasker
    public var miner: TemplateMiner

    /// `format` nil: the whole line is the message. Throws `LogMiningError` for a bad format or mask.
    public init(format: String?, masks: [String], options: MinerOptions = .init()) throws {
        self.format = try format.map { try LogFormat($0) }
        self.masker = try LogMasker(patterns: masks)
        self.miner = TemplateMiner(options: options)
    }

    /// Restores mining with templates persisted earlier (`miner` decoded from its `Codable` form).
    public init(format: String?, masks: [String], miner: TemplateMiner) throws {
        self.format = try format.map { try LogFormat($0) }
        self.masker = try LogMasker(patterns: masks)
        self.miner = miner
    }

    /// Splits, masks and learns one raw line. A line that does not match the format is mined whole.
    public mutating func add(line: String) -> (line: LogLine, match: TemplateMatch) {
        let parsed = split(line)
        let match = miner.add(masker.mask(parsed.content))
        return (parsed, match)
    }

    /// The template a raw line belongs to, without learning.
    public func match(line: String) -> (line: LogLine, template: MinedTemplate?) {
        let parsed = split(line)
        return (parsed, miner.match(masker.mask(parsed.content)))
    }

    /// The line's fields, or the whole line as content when there is no format or it does not match.
    public func split(_ line: String) -> LogLine {
        if let format, let parsed = format.split(line) { return parsed }
        return LogLine(fields: [:], content: line)
    }
}
