import ConfigRepair
import Foundation
import GraceDSL

/// `learn_signature`: an unknown error keeps repeating in a kernel; declare it as a `signature` document (its
/// line as the example, its variable parts as regex wildcards) bound to the playbook the knowledge base learned
/// heals it, else to `restart-kernel` when that playbook exists. Waits for review unless the policy says `auto`.
struct LearnSignaturePlanner: TaskPlanner {
    var name: String { "learn-signature" }

    func plan(_ context: PlanningContext) async -> [PlannedChange] {
        guard context.task.type == "learn_signature", let line = context.task.inputs.line, !line.isEmpty,
            let graph = context.compiled.result.graph
        else { return [] }
        let kernel = context.task.inputs.kernel
        let message = Self.message(of: line)
        let pattern = Self.regex(for: message)
        let name = Self.documentName(for: message, taken: Set(graph.signatures.map(\.header.name.value)))
        // Where signatures are declared already, else beside the grace document.
        let target =
            graph.signatures.first.map(\.header.span.file)
            ?? context.files.first { $0.path.hasSuffix("signatures.yaml") }?.path
            ?? graph.settings.map(\.header.span.file)
        guard let target, let file = context.files.first(where: { $0.path == target }),
            let editor = try? YAMLEditor(file)
        else { return [] }
        var entries: [(String, YAMLValue)] = [
            ("kind", .plain("signature")), ("name", .string(name)),
            (
                "description",
                .string("Learned by the agent from \(kernel ?? "a kernel")'s log (task \(context.task.id)).")
            ),
            ("kernel", .string(kernel ?? "*")),
            ("pattern", .string(pattern)),
            ("severity", .plain("error")),
        ]
        if let restart = graph.playbook("restart-kernel"),
            Set(restart.params.map(\.name.value)).isSuperset(of: ["kernel"])
        {
            entries.append(("playbook", .plain("restart-kernel")))
            var with: [(String, YAMLValue)] = [("kernel", .string("{{ event.kernel }}"))]
            if restart.params.contains(where: { $0.name.value == "reason" }) {
                with.append(("reason", .string("learned signature \(name)")))
            }
            entries.append(("with", .mapping(with)))
        }
        entries.append(("examples", .sequence([.string(message)])))
        let edits = editor.addDocument(.mapping(entries))
        var planned = PlannedChange(
            change: ConfigChange(
                edits: edits, summary: "declare signature \(name) from \(kernel ?? "a kernel")'s log", origin: .refactor
            ),
            reasons: ["the line `\(message)` repeats and matches no declared signature"], planner: name)
        planned.approval = .review
        return [planned]
    }

    /// The message part of a log line: after a leading timestamp and level, and a `component:` word after the
    /// level (`worker.main:`), if any.
    static func message(of line: String) -> String {
        var text = Substring(line)
        for level in ["ERROR", "FATAL", "CRITICAL", "WARN", "error", "fatal"] {
            if let r = text.range(of: level + " ") ?? text.range(of: level + ":") {
                text = text[r.upperBound...]
                break
            }
        }
        let trimmed = text.drop { $0 == " " }
        if let first = trimmed.split(separator: " ", maxSplits: 1).first, first.hasSuffix(":"), first.count > 1,
            !first.dropLast().contains(":")
        {
            text = trimmed.dropFirst(first.count)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The signature pattern for the message: every token with a digit in it (an address, an id, a count, a
    /// duration) becomes `<*>`, as the knowledge base's templates do.
    static func regex(for message: String) -> String {
        message.split(separator: " ", omittingEmptySubsequences: true)
            .map { $0.contains(where: \.isNumber) ? "<*>" : String($0) }
            .joined(separator: " ")
    }

    /// A document name from the message's first words, made unique.
    static func documentName(for message: String, taken: Set<String>) -> String {
        let words = message.lowercased().split { !$0.isLetter }.prefix(4).map(String.init)
        let base = "learned-" + (words.isEmpty ? "error" : words.joined(separator: "-"))
        var name = String(base.prefix(50))
        var n = 2
        while taken.contains(name) {
            name = "\(base.prefix(46))-\(n)"
            n += 1
        }
        return name
    }
}
