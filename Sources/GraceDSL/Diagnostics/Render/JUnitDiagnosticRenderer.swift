import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Renders a validation run as JUnit XML, so CI systems show configuration problems next to test results.
///
/// Each validated file is one `<testcase classname="grace.validate" name="FILE">`; it fails with one `<failure>`
/// per error (type = the code, text = the diagnostic as `TextDiagnosticRenderer` prints it, without color).
/// Warnings and notes do not fail a file; their text goes to the test case's `<system-out>`. Files that have
/// diagnostics but are not in `files` get a test case too, after the listed ones, so nothing is dropped.
/// The suite's `failures` counts failing files, as JUnit counts failing tests.
public struct JUnitDiagnosticRenderer: Sendable {
    public var suiteName: String

    public init(suiteName: String = "grace validate") {
        self.suiteName = suiteName
    }

    /// The XML document, with declaration, pretty-printed, without a trailing newline.
    public func render(_ diagnostics: [Diagnostic], files: [String], sources: [String: String]) -> String {
        let document = self.document(diagnostics, files: files, sources: sources)
        let xml = document.xmlString(options: [.nodePrettyPrint])
        return xml.hasSuffix("\n") ? String(xml.dropLast()) : xml
    }

    /// The same document as UTF-8 bytes, for writing to a report file.
    public func renderData(_ diagnostics: [Diagnostic], files: [String], sources: [String: String]) -> Data {
        Data(render(diagnostics, files: files, sources: sources).utf8)
    }

    private func document(_ diagnostics: [Diagnostic], files: [String], sources: [String: String]) -> XMLDocument {
        let texts = SourceLineIndex.catalog(for: diagnostics, sources: sources)
        let text = TextDiagnosticRenderer(color: false)
        let byFile = Dictionary(grouping: diagnostics, by: \.span.file)

        var seen = Set<String>()
        let listed = files.filter { seen.insert($0).inserted }
        let unlisted = byFile.keys.filter { !seen.contains($0) }.sorted()

        let suite = XMLElement(name: "testsuite")
        var failingFiles = 0
        for file in listed + unlisted {
            let testCase = XMLElement(name: "testcase")
            testCase.setAttribute("classname", "grace.validate")
            testCase.setAttribute("name", file)
            let fileDiagnostics = byFile[file] ?? []
            let errors = fileDiagnostics.filter { $0.severity == .error }
            for error in errors {
                let failure = XMLElement(name: "failure")
                failure.setAttribute("type", error.code.rawValue)
                failure.setAttribute("message", error.message)
                failure.stringValue = Self.xmlSafe(text.lines(for: error, texts: texts).joined(separator: "\n"))
                testCase.addChild(failure)
            }
            let others = fileDiagnostics.filter { $0.severity != .error }
            if !others.isEmpty {
                let output = others.map { text.lines(for: $0, texts: texts).joined(separator: "\n") }
                let systemOut = XMLElement(name: "system-out")
                systemOut.stringValue = Self.xmlSafe(output.joined(separator: "\n\n"))
                testCase.addChild(systemOut)
            }
            if !errors.isEmpty { failingFiles += 1 }
            suite.addChild(testCase)
        }
        let testCount = listed.count + unlisted.count
        suite.setAttribute("name", suiteName)
        suite.setAttribute("tests", String(testCount))
        suite.setAttribute("failures", String(failingFiles))
        suite.setAttribute("errors", "0")

        let root = XMLElement(name: "testsuites")
        root.setAttribute("tests", String(testCount))
        root.setAttribute("failures", String(failingFiles))
        root.setAttribute("errors", "0")
        root.addChild(suite)

        let document = XMLDocument(rootElement: root)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        return document
    }

    /// Replaces characters XML 1.0 cannot carry at all, even escaped (most C0 controls, U+FFFE, U+FFFF), which
    /// a message quoting a broken YAML file may contain.
    static func xmlSafe(_ string: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            let allowed =
                switch scalar.value {
                case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
                default: false
                }
            scalars.append(allowed ? scalar : "\u{FFFD}")
        }
        return String(scalars)
    }
}

extension XMLElement {
    /// Adds an attribute in document order (`setAttributesWith` takes a dictionary and so loses the order).
    fileprivate func setAttribute(_ name: String, _ value: String) {
        let attribute = XMLNode(kind: .attribute)
        attribute.name = name
        attribute.stringValue = JUnitDiagnosticRenderer.xmlSafe(value)
        addAttribute(attribute)
    }
}
