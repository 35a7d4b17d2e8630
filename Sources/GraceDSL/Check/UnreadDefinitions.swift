/// What a part of a file that did not parse may define, and the references that were left unchecked because
/// of it.
///
/// A reference to a name that resolves nowhere, but that may be defined in an unread region, is not an error of
/// its own: it only follows from the region's error (an unclosed `[` in the file that defines
/// `notify-operator` would otherwise add an "unknown playbook" for every `on_failure: notify-operator`). Such
/// references are gathered here and reported once, as notes on the diagnostic that says why the region was not
/// read.
struct UnreadDefinitions: Sendable {
    let region: UnreadRegion
    /// Names the region may define (see `UnreadRegion.possiblyDefinedNames(in:)`).
    let names: Set<String>
    /// References not checked because of this region, in the order the checks met them.
    private(set) var references: [(what: String, reference: Located<String>)] = []
    /// The same reference can be met by two checks; it counts once.
    private var seen: Set<SourceSpan> = []

    init(region: UnreadRegion, names: Set<String>) {
        self.region = region
        self.names = names
    }

    mutating func record(_ reference: Located<String>, what: String) {
        guard seen.insert(reference.span).inserted else { return }
        references.append((what, reference))
    }

    /// At most this many names get a note of their own, pointing at their first reference.
    static let namesShown = 5

    /// One note that says what was not read and how many references that left unchecked, then, for each name,
    /// a note at its first reference (in source order). Empty when no reference was held back.
    func notes() -> [Note] {
        guard !references.isEmpty else { return [] }
        let count = references.count
        let checked =
            count == 1 ? "1 reference to them was not checked" : "\(count) references to them were not checked"
        var notes = [Note("\(whatWasNotRead), so the names defined there are unknown; \(checked)")]

        // Group by name, each at its first reference in source order.
        let ordered = references.sorted { $0.reference.span.precedes($1.reference.span) }
        var groups: [(what: String, name: String, first: SourceSpan, count: Int)] = []
        var index: [String: Int] = [:]
        for (what, reference) in ordered {
            let key = "\(what) \(reference.value)"
            if let i = index[key] {
                groups[i].count += 1
            } else {
                index[key] = groups.count
                groups.append((what, reference.value, reference.span, 1))
            }
        }
        for group in groups.prefix(Self.namesShown) {
            let more =
                group.count == 1 ? "" : group.count == 2 ? " and once more" : " and \(group.count - 1) more times"
            notes.append(
                Note(
                    "\(group.what) `\(group.name)` is referenced here\(more); it may be defined in the part of "
                        + "\(region.span.file) that was not read", at: group.first))
        }
        if groups.count > Self.namesShown {
            let rest = groups.dropFirst(Self.namesShown).map { "`\($0.name)`" }
            notes.append(Note("also referenced and possibly defined there: " + rest.joined(separator: ", ")))
        }
        return notes
    }

    /// "nothing in this file could be read", "nothing from line 12 on could be read", "the document that starts
    /// on line 5 was not read".
    private var whatWasNotRead: String {
        let span = region.span
        switch region.cause.code {
        case .aliasExpansionLimit, .unknownAnchor:
            return "the document that starts on line \(span.start.line) was not read"
        default:
            return span.start.offset == 0
                ? "nothing in this file could be read" : "nothing from line \(span.start.line) on could be read"
        }
    }
}
