/// Identifies a document across compilations: its kind and name.
public struct DocumentID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var kind: DocumentKind
    public var name: String

    public init(kind: DocumentKind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (a: DocumentID, b: DocumentID) -> Bool {
        a.kind != b.kind ? a.kind < b.kind : a.name < b.name
    }

    public var description: String { "\(kind.rawValue)/\(name)" }
}
