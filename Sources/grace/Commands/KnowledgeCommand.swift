import ArgumentParser
import Foundation
import GraceDSL
import Interpreter
import LogMining
import Runtime

/// `grace kb`: the knowledge base of error signatures and the playbooks that heal them.
struct KnowledgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "List, show, forget or export what Grace learned about error signatures.",
        discussion: """
            `grace run` mines each kernel's warning and error lines into templates (signatures: the shape of a \
            line, its variable parts as <*>), counts them per kernel, and learns which playbook heals which \
            signature from the outcome of runs: a run that answered an error and after which the kernel stayed \
            healthy for the success window binds the playbook to the signature; a learned binding that keeps \
            failing is dropped. Declared `signature` documents seed the knowledge base and always win. These \
            commands read the state directory's database directly: Grace need not be running.

            Exit status: 0 success, 2 unknown signature, usage or I/O error (no knowledge base in the state \
            directory).

            Examples:
              grace kb list
              grace kb show 3f2a9c1d
              grace kb export --output config/learned-signatures.yaml
              grace kb forget 3f2a9c1d
            """,
        subcommands: [List.self, Show.self, Forget.self, Export.self],
        defaultSubcommand: List.self)
}

extension KnowledgeCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the signatures, most seen first.")

        @Option(help: ArgumentHelp("At most this many signatures.", valueName: "count"))
        var limit = 50

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var state: StateDirectoryOption

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let signatures = try JournalCommand.openStore(state).knownSignatures(limit: limit)
            if json { return print(try KnowledgeCommand.json(signatures)) }
            if signatures.isEmpty { return print("no signatures yet") }
            let rows = signatures.map { s in
                [
                    KnowledgeCommand.shortID(s), s.severity.rawValue, String(s.count),
                    s.kernels.keys.sorted().joined(separator: ","),
                    s.bestBinding.map { KnowledgeCommand.describe($0) } ?? "-", s.template,
                ]
            }
            let header = ["SIGNATURE", "SEVERITY", "SEEN", "KERNELS", "PLAYBOOK", "TEMPLATE"]
            print(Table.render(header: header, rows: rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one signature: template, sightings per kernel, bindings and their records.")

        @Argument(help: "The signature's id (or a unique prefix of it), or a declared signature's name.")
        var signature: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            guard let s = try JournalCommand.openStore(state).knownSignature(signature) else {
                throw CLIError.usage("no signature `\(signature)` in the knowledge base (see `grace kb list`)")
            }
            if json { return print(try KnowledgeCommand.json(s)) }
            var lines = [
                "signature  \(s.id)", "template   \(s.template)", "severity   \(s.severity.rawValue)",
                "seen       \(s.count) times, first \(Self.time(s.firstSeen)), last \(Self.time(s.lastSeen))",
            ]
            if let declared = s.declared { lines.append("declared   signature document `\(declared)`") }
            for (kernel, count) in s.kernels.sorted(by: { $0.key < $1.key }) {
                lines.append("kernel     \(kernel): \(count)")
            }
            if let example = s.example { lines.append("example    \(example)") }
            if s.bindings.isEmpty { lines.append("bindings   none") }
            for b in s.bindings { lines.append("binding    \(KnowledgeCommand.describe(b))") }
            print(lines.joined(separator: "\n"))
        }

        static func time(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a learned signature, its sightings and its bindings.",
            discussion: "Declared signatures live in the configuration: remove the document instead.")

        @Argument(help: "The signature's id or a unique prefix of it.")
        var signature: String

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            let store = try JournalCommand.openStore(state)
            guard let s = try store.knownSignature(signature) else {
                throw CLIError.usage("no signature `\(signature)` in the knowledge base (see `grace kb list`)")
            }
            if let declared = s.declared {
                throw CLIError.usage(
                    "`\(signature)` is the declared signature `\(declared)`: remove its document instead")
            }
            try store.forgetSignature(s.id)
            print("forgot \(s.id): \(s.template)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write learned bindings as signature documents, ready to review and commit.",
            discussion: """
                Each learned signature with a binding becomes one `signature` document bound to its best \
                playbook (by expected success); kernel-typed parameters of the playbook get the kernel the line \
                came from. Declared signatures are already documents and are not exported. Run `grace validate` \
                on the result before committing it.
                """)

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?

        @Option(
            help: ArgumentHelp("Only bindings whose expected success is at least this (0-1).", valueName: "fraction"))
        var minExpected: Double = 0.5

        @OptionGroup var state: StateDirectoryOption

        func validate() throws {
            guard (0...1).contains(minExpected) else { throw ValidationError("--min-expected must be between 0 and 1") }
        }

        func run() throws {
            // One compile of the configuration root serves both the state directory and, when it compiles, the
            // graph that gives the playbooks' parameter types.
            let configured = try? ConfiguredRoot.load()
            let store =
                if state.stateDir == nil, let configured {
                    try JournalCommand.openStore(directory: configured.stateDirectory)
                } else {
                    try JournalCommand.openStore(state)
                }
            let signatures = try store.knownSignatures(limit: 100_000)
            let graph = configured?.result.graph
            var documents: [String] = []
            for s in signatures where s.declared == nil {
                let learned = s.bindings.filter { !$0.declared }
                guard let binding = learned.max(by: { $0.expectedSuccess < $1.expectedSuccess }),
                    binding.expectedSuccess >= minExpected
                else { continue }
                documents.append(Self.document(s, binding: binding, graph: graph))
            }
            let header = """
                # yaml-language-server: $schema=../schema/signature.schema.json
                #
                # Signatures Grace learned from outcomes (`grace kb export`): review, then commit under config/.

                """
            let text = header + (documents.isEmpty ? "# nothing learned yet\n" : documents.joined(separator: "---\n"))
            guard let output else { return print(text, terminator: "") }
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CLIError.io("cannot write \(output): \(error.localizedDescription)")
            }
            FileHandle.standardError.write(Data("wrote \(documents.count) signature document(s) to \(output)\n".utf8))
        }

        static func document(_ s: KnownSignature, binding: BindingEvidence, graph: ExecutionGraph?) -> String {
            let description =
                "learned: healed \(binding.successes) of \(binding.trials) time(s) by \(binding.playbook), "
                + "seen \(s.count) time(s)"
            var lines = [
                "kind: signature",
                "name: learned-\(s.id.prefix(12).lowercased())",
                "description: \(yamlQuoted(description))",
            ]
            if s.kernels.count == 1, let kernel = s.kernels.keys.first { lines.append("kernel: \(kernel)") }
            // A mined `<*>` may stand for several tokens or none, which a pattern cannot say: then a regex.
            if let example = s.example, !SignaturePattern(s.template).matches(example) {
                lines.append("regex: \(yamlQuoted(MinedTemplate(text: s.template, count: 0).regularExpression))")
            } else {
                lines.append("pattern: \(yamlQuoted(s.template))")
            }
            lines.append("severity: \(s.severity == .info ? "warning" : s.severity.rawValue)")
            lines.append("playbook: \(binding.playbook)")
            let kernelParams =
                graph?.playbook(binding.playbook)?.params.filter { $0.type == .kernel }.map(\.name.value) ?? ["kernel"]
            if !kernelParams.isEmpty {
                lines.append(
                    "with: {" + kernelParams.map { "\($0): \"{{ event.kernel }}\"" }.joined(separator: ", ") + "}")
            }
            if let example = s.example { lines.append("examples: [\(yamlQuoted(example))]") }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    static func shortID(_ s: KnownSignature) -> String {
        s.declared.map { "declared:" + $0 } ?? String(s.id.prefix(12))
    }

    static func describe(_ b: BindingEvidence) -> String {
        let origin = b.declared ? "declared" : "learned"
        let expected = String(format: "%.2f", b.expectedSuccess)
        return "\(b.playbook) (\(origin), \(b.successes)/\(b.trials) healed, expected \(expected))"
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A YAML double-quoted scalar (JSON string syntax is a subset of it).
func yamlQuoted(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}
