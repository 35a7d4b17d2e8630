@testable import GraceDSL

/// The tree changes YAMLEditor's operations stand for, applied to span-free shapes: the expected result of a
/// reparse.
extension YAMLShape {
    /// This shape with the node at `components` replaced by `change(node)`.
    func modified(at components: ArraySlice<YAMLPath.Component>, _ change: (YAMLShape) -> YAMLShape) -> YAMLShape {
        guard let head = components.first else { return change(self) }
        let rest = components.dropFirst()
        switch (self, head) {
        case (.mapping(var entries), .key(let key)):
            if let i = entries.lastIndex(where: { $0.key == .scalar(key) }) {
                entries[i].value = entries[i].value.modified(at: rest, change)
            }
            return .mapping(entries)
        case (.sequence(var items), .index(let i)) where items.indices.contains(i):
            items[i] = items[i].modified(at: rest, change)
            return .sequence(items)
        default:
            return self
        }
    }

    /// The node at `components`.
    func at(_ components: ArraySlice<YAMLPath.Component>) -> YAMLShape? {
        guard let head = components.first else { return self }
        switch (self, head) {
        case (.mapping(let entries), .key(let key)):
            return entries.last { $0.key == .scalar(key) }?.value.at(components.dropFirst())
        case (.sequence(let items), .index(let i)) where items.indices.contains(i):
            return items[i].at(components.dropFirst())
        default:
            return nil
        }
    }
}

/// The shapes of every document of `text`, or nil when part of it does not parse.
func documentShapes(_ text: String) -> [YAMLShape?]? {
    let result = YAMLParser().parse(text, file: "reparse.yaml")
    guard result.unread.isEmpty else { return nil }
    return result.documents.map { $0.root.map(YAMLShape.init) }
}
