import GraceDSL

/// YAML forbids tabs in indentation. The tabbed line gets spaces: as deep as the block its previous line opens
/// (when that line ends with `:`), else as deep as that previous line (its sibling), then the other readings.
enum TabIndentation {
    static func proposals(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        var line = source.line(containing: at)
        if !hasTab(source, line) {
            // libyaml may stop a line later; the tab is then on the nearest tabbed line above.
            guard let tabbed = (max(0, line - 2)...line).reversed().first(where: { hasTab(source, $0) }) else {
                return []
            }
            line = tabbed
        }
        let step = indentStep(source)
        var widths: [Int] = []
        if let previous = source.previousContentLine(before: line) {
            let base = expandedWidth(source, previous)
            let end = source.contentEnd(ofLine: previous)
            let opensBlock = end > 0 && source.bytes[end - 1] == UInt8(ascii: ":")
            widths = opensBlock ? [base + step, base] : [base, base + step]
            if base >= step { widths.append(base - step) }
        }
        widths.append(expandedWidth(source, line))
        var seen: Set<Int> = []
        widths = widths.filter { seen.insert($0).inserted }
        let indentation = source.indentation(ofLine: line)
        return widths.map { width in
            change(
                d, source,
                [TextEdit(file: source.path, range: indentation, replacement: String(repeating: " ", count: width))],
                "replace the tab indentation of line \(line + 1) with \(width) spaces")
        }
    }

    static func hasTab(_ source: SourceText, _ line: Int) -> Bool {
        source.bytes[source.indentation(ofLine: line)].contains(UInt8(ascii: "\t"))
    }

    /// The indentation as columns, a tab counting as one indentation step.
    private static func expandedWidth(_ source: SourceText, _ line: Int) -> Int {
        let step = indentStep(source)
        return source.bytes[source.indentation(ofLine: line)].reduce(0) { $0 + ($1 == UInt8(ascii: "\t") ? step : 1) }
    }

    /// The file's indentation step: the smallest increase of indentation between consecutive lines (2 if none).
    static func indentStep(_ source: SourceText) -> Int {
        var step = Int.max
        var previous: Int?
        for line in 0..<source.lineCount where !source.isBlankOrComment(line) {
            guard let width = source.indentWidth(ofLine: line) else {
                previous = nil
                continue
            }
            if let p = previous, width > p { step = min(step, width - p) }
            previous = width
        }
        return step == .max ? 2 : step
    }
}
