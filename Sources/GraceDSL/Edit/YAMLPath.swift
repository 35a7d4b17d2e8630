/// Where a node is in a file: which document, then the keys and indices that lead to it from the root.
public struct YAMLPath: Sendable, Hashable, CustomStringConvertible {
    /// One step down from a mapping (by key) or a sequence (by position).
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    /// The document's position in the file, from 0.
    public var document: Int
    /// The steps from the document's root.
    public var components: [Component]

    /// The node reached from document `document`'s root by `components`.
    public init(document: Int = 0, _ components: [Component] = []) {
        self.document = document
        self.components = components
    }

    /// This path one step further down.
    public func appending(_ component: Component) -> YAMLPath {
        YAMLPath(document: document, components + [component])
    }

    /// This path one key further down.
    public func key(_ name: String) -> YAMLPath { appending(.key(name)) }

    /// This path one index further down.
    public func index(_ position: Int) -> YAMLPath { appending(.index(position)) }

    /// The path of the node that holds this one; nil for a document root.
    public var parent: YAMLPath? {
        components.isEmpty ? nil : YAMLPath(document: document, Array(components.dropLast()))
    }

    /// `#0.kernels[2].name`.
    public var description: String {
        var text = "#\(document)"
        for component in components {
            switch component {
            case .key(let key): text += ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
