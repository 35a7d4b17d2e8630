import Foundation
import Testing

@testable import GraceDSL

/// Properties of YAMLEditor over every file of the shipped configuration and the valid fixtures.
@Suite struct YAMLEditorPropertyTests {
    static let corpus: [SourceFile] = {
        let shipped = Fixtures.shippedPaths.map {
            SourceFile(path: $0, text: Fixtures.read(Fixtures.repository.appendingPathComponent($0)))
        }
        let valid = Fixtures.valid.map {
            SourceFile(path: "valid/\($0)", text: Fixtures.read(Fixtures.validDirectory.appendingPathComponent($0)))
        }
        return shipped + valid
    }()

    /// A node the random edits may touch, with its path.
    struct Site {
        var path: YAMLPath
        var node: YAMLNode
    }

    /// Every node reachable by a path, outside aliases, anchors and tags (editing those changes other nodes).
    static func sites(_ editor: YAMLEditor) -> [Site] {
        var result: [Site] = []
        func walk(_ node: YAMLNode, _ path: YAMLPath) {
            guard !node.isAlias, node.anchor == nil, node.tag == nil else { return }
            result.append(Site(path: path, node: node))
            switch node.content {
            case .scalar: break
            case .sequence(let items):
                for (i, item) in items.enumerated() { walk(item, path.index(i)) }
            case .mapping(let pairs):
                var seen = Set<String>()
                for pair in pairs.reversed() {
                    guard let key = pair.key.text, seen.insert(key).inserted else { continue }
                    walk(pair.value, path.key(key))
                }
            }
        }
        for (i, document) in editor.documents.enumerated() {
            if let root = document.root { walk(root, YAMLPath(document: i)) }
        }
        return result
    }

    @Test func corpusIsThere() {
        #expect(Self.corpus.count >= 10)
    }

    @Test func settingEveryScalarToItsOwnTextChangesNoByte() throws {
        for file in Self.corpus {
            let editor = try YAMLEditor(file)
            for site in Self.sites(editor) {
                guard let text = site.node.text else { continue }
                let edits = try editor.setScalar(at: site.path, to: text)
                #expect(try file.applying(edits).text == file.text, "\(file.path) \(site.path)")
            }
        }
    }

    static let fragments = [
        "a", "web", "x-y", ": ", "#", " #", "-", "- ", "true", "null", "8080", "1.5", "é", "✓", "日本", "😀", "\"", "'",
        "\\", "\n", "\t", ",", "[", "]", "{", "}", " ", "~", "&", "*", "!", "|", ">", "%", "@", "`", "?", ":", "0x1F",
        "yes", "---", "\u{2028}", "\u{7}",
    ]

    static func randomString(_ rng: inout SplitMix64) -> String {
        let count = Int.random(in: 0...4, using: &rng)
        return (0..<count).map { _ in fragments.randomElement(using: &rng) ?? "" }.joined()
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> YAMLValue {
        switch Int.random(in: 0..<(depth < 2 ? 6 : 4), using: &rng) {
        case 0: return .plain(String(Int.random(in: 0...99_999, using: &rng)))
        case 1, 2, 3: return .string(randomString(&rng))
        case 4:
            let count = Int.random(in: 0...2, using: &rng)
            return .mapping(
                (0..<count).map { i in ("k\(i)" + randomString(&rng), randomValue(&rng, depth: depth + 1)) })
        default:
            return .sequence((0..<Int.random(in: 0...2, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        }
    }

    /// Whether `node` or a node inside it defines an anchor: removing it would change its aliases elsewhere, which
    /// is outside what a removal says it changes (as editing an anchored node is, which `sites` leaves out).
    static func definesAnchor(_ node: YAMLNode) -> Bool {
        if node.anchor != nil { return true }
        switch node.content {
        case .scalar: return false
        case .sequence(let items): return items.contains(where: definesAnchor)
        case .mapping(let pairs): return pairs.contains { definesAnchor($0.key) || definesAnchor($0.value) }
        }
    }

    /// One random operation: its edits, the shapes the result must parse to, and the path of the subtree it
    /// may rewrite (nil for pure insertions).
    static func randomEdit(_ editor: YAMLEditor, _ rng: inout SplitMix64) throws -> (
        [TextEdit], [YAMLShape?], YAMLPath?
    )? {
        var shapes = editor.documents.map { $0.root.map(YAMLShape.init) }
        let sites = Self.sites(editor)
        guard let site = sites.randomElement(using: &rng) else { return nil }
        let doc = site.path.document
        func change(_ path: YAMLPath, _ f: (YAMLShape) -> YAMLShape) {
            shapes[doc] = shapes[doc]?.modified(at: path.components[...], f)
        }
        switch site.node.content {
        case .scalar:
            let value = randomString(&rng)
            change(site.path) { _ in .scalar(value) }
            return (try editor.setScalar(at: site.path, to: value), shapes, site.path)
        case .mapping(let pairs):
            if !pairs.isEmpty, Bool.random(using: &rng), let pair = pairs.randomElement(using: &rng),
                let key = pair.key.text
            {
                // Removing an anchor's definition changes the aliases that use it, outside the removed subtree.
                guard !Self.definesAnchor(pair.value) else { return nil }
                change(site.path) { shape in
                    guard case .mapping(var entries) = shape,
                        let i = entries.lastIndex(where: { $0.key == .scalar(key) })
                    else { return shape }
                    entries.remove(at: i)
                    return .mapping(entries)
                }
                return (try editor.removeKey(key, from: site.path), shapes, site.path.key(key))
            }
            let key = "n" + randomString(&rng)
            guard !pairs.contains(where: { $0.key.text == key }) else { return nil }
            let value = randomValue(&rng)
            change(site.path) { shape in
                guard case .mapping(var entries) = shape else { return shape }
                entries.append(.init(.scalar(key), value.shape))
                return .mapping(entries)
            }
            return (try editor.addKey(key, value: value, to: site.path), shapes, nil)
        case .sequence(let items):
            if !items.isEmpty, Bool.random(using: &rng) {
                let i = Int.random(in: 0..<items.count, using: &rng)
                guard !Self.definesAnchor(items[i]) else { return nil }
                change(site.path) { shape in
                    guard case .sequence(var all) = shape else { return shape }
                    all.remove(at: i)
                    return .sequence(all)
                }
                return (try editor.removeItem(at: site.path.index(i)), shapes, site.path.index(i))
            }
            let i = Int.random(in: 0...items.count, using: &rng)
            let value = randomValue(&rng)
            change(site.path) { shape in
                guard case .sequence(var all) = shape else { return shape }
                all.insert(value.shape, at: i)
                return .sequence(all)
            }
            return (try editor.insertItem(value, at: i, in: site.path), shapes, nil)
        }
    }

    @Test func randomEditsChangeOnlyWhatTheySay() throws {
        var rng = SplitMix64(seed: 0x6772_6163_65)
        let editors = try Self.corpus.map { try YAMLEditor($0) }
        var checked = 0
        for iteration in 0..<400 {
            guard let editor = editors.randomElement(using: &rng), let planned = try Self.randomEdit(editor, &rng)
            else { continue }
            let (edits, expected, touched) = planned
            let result = try editor.file.applying(edits)
            let label = "#\(iteration) \(editor.file.path) \(edits.map(\.replacement))"
            guard let shapes = documentShapes(result.text) else {
                Issue.record("does not parse: \(label)\n\(result.text)")
                continue
            }
            #expect(shapes == expected, "\(label)")
            // No edit reaches into a node outside the subtree the operation names.
            for site in Self.sites(editor) where site.node.scalar != nil {
                if let touched, site.path.document == touched.document,
                    site.path.components.starts(with: touched.components)
                {
                    continue
                }
                let span = site.node.span.start.offset..<site.node.span.end.offset
                for edit in edits where edit.range.overlaps(span) {
                    Issue.record("\(label) touches \(site.path)")
                }
            }
            checked += 1
        }
        #expect(checked > 300)
    }

    @Test func documentsCanBeRemovedAndAddedAlone() throws {
        for file in Self.corpus {
            let editor = try YAMLEditor(file)
            let shapes = editor.documents.map { $0.root.map(YAMLShape.init) }
            for i in editor.documents.indices where editor.documents.count > 1 {
                let result = try file.applying(editor.removeDocument(at: i))
                var expected = shapes
                expected.remove(at: i)
                #expect(documentShapes(result.text) == expected, "\(file.path) without document \(i)")
            }
            let added = YAMLValue.mapping([("kind", .string("signature")), ("name", .string("x: y"))])
            let result = try file.applying(editor.addDocument(added))
            #expect(documentShapes(result.text) == shapes + [added.shape], "\(file.path) plus a document")
            #expect(result.text.hasPrefix(file.text))
        }
    }
}
