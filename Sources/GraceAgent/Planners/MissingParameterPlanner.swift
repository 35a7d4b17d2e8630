import ConfigRepair
import Foundation
import GraceDSL

/// `diagnose`: a kernel logs that a configuration parameter is missing (`missing required configuration parameter
/// API_REGION (e.g. API_REGION=eu-1)`); the fix is the parameter in the kernel's `env:`. The value comes from a
/// learned pattern for that parameter (a fix that held before, on any kernel), else from the line's own hint
/// (`e.g. NAME=value`, `default: value`, `set NAME=value`); with neither there is no deterministic fix.
struct MissingParameterPlanner: TaskPlanner {
    var name: String { "missing-parameter" }

    /// What a line says is missing, and the value it suggests.
    struct Finding: Equatable {
        var parameter: String
        var hint: String?
    }

    private static let missing = try? NSRegularExpression(
        pattern:
            #"missing\s+(?:required\s+)?(?:configuration\s+|config\s+)?(?:parameter|setting|option|environment variable|env var|variable)s?[\s:]+[`'"]?([A-Za-z_][A-Za-z0-9_]*)"#,
        options: [.caseInsensitive])

    /// The parameter a log line says is missing and its suggested value; nil when the line says no such thing.
    static func finding(in line: String) -> Finding? {
        let range = NSRange(line.startIndex..., in: line)
        guard let missing, let match = missing.firstMatch(in: line, range: range),
            let nameRange = Range(match.range(at: 1), in: line)
        else { return nil }
        let parameter = String(line[nameRange])
        let escaped = NSRegularExpression.escapedPattern(for: parameter)
        let hints = [
            #"\b"# + escaped + #"\s*=\s*[`'"]?([^\s`'",;)]+)"#,
            #"(?:default|defaults to|expected)[\s:]+[`'"]?([^\s`'",;)]+)"#,
        ]
        for pattern in hints {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
                let hit = regex.firstMatch(in: line, range: range), let valueRange = Range(hit.range(at: 1), in: line)
            else { continue }
            return Finding(parameter: parameter, hint: String(line[valueRange]))
        }
        return Finding(parameter: parameter, hint: nil)
    }

    /// A learned pattern's cause for a missing parameter: the same parameter on any kernel.
    static func cause(_ parameter: String) -> String { "missing-parameter:\(parameter)" }

    /// A learned pattern's body: the value that fixed it.
    struct Body: Codable {
        var env: String
        var value: String
    }

    func plan(_ context: PlanningContext) async -> [PlannedChange] {
        guard context.task.type == "diagnose" || context.task.type == "add_param",
            let kernel = context.task.inputs.kernel,
            let finding = [context.task.inputs.line, context.task.inputs.goal].compactMap({ $0 })
                .lazy.compactMap(Self.finding).first
        else { return [] }
        var value = finding.hint
        var planner = name
        var reasons = ["\(kernel) logs that parameter \(finding.parameter) is missing"]
        if let learned = context.patterns(Self.cause(finding.parameter)).first,
            let body = try? JSONDecoder().decode(Body.self, from: Data(learned.body.utf8))
        {
            value = body.value
            planner = "pattern"
            reasons.append("learned pattern \(learned.id): \(body.env)=\(body.value) fixed it before")
        } else if let hint = finding.hint {
            reasons.append("its log line suggests \(finding.parameter)=\(hint)")
        }
        guard let value else { return [] }
        guard let edit = Self.setEnvironment(finding.parameter, to: value, kernel: kernel, in: context.files) else {
            return []
        }
        var change = ConfigChange(
            edits: edit, summary: "set \(finding.parameter) in the environment of \(kernel)",
            origin: planner == "pattern" ? .pattern : .repair)
        change.fixes = []
        var planned = PlannedChange(change: change, reasons: reasons, planner: planner)
        let body = (try? JSONEncoder().encode(Body(env: finding.parameter, value: value)))
            .map { String(decoding: $0, as: UTF8.self) }
        planned.pattern = body.map { (Self.cause(finding.parameter), $0) }
        return [planned]
    }

    /// Edits adding `name: value` to the `env:` of kernel `kernel` (creating `env:`); nil when the kernel declares
    /// it already or is not found.
    static func setEnvironment(_ name: String, to value: String, kernel: String, in files: [SourceFile])
        -> [TextEdit]?
    {
        for file in files {
            guard let editor = try? YAMLEditor(file) else { continue }
            for (index, document) in editor.documents.enumerated() {
                guard let root = document.root, root["kind"]?.text == "kernel", root["name"]?.text == kernel else {
                    continue
                }
                let path = YAMLPath(document: index)
                if let env = root["env"], env.mapping != nil {
                    // Already declared: the kernel has it (a reload may be on its way); nothing to add.
                    if env[name] != nil { return nil }
                    return try? editor.addKey(name, value: .string(value), to: path.key("env"))
                }
                return try? editor.addKey("env", value: .mapping([(name, .string(value))]), to: path)
            }
        }
        return nil
    }
}
