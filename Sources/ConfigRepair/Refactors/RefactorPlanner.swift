import GraceDSL

/// Turns a refactor intent and what the runtime observed into a proposed `ConfigChange`: a pure
/// transformation of the configuration's text made of span-preserving YAML edits. It does not decide whether
/// the change is good; the compile gate, verify commands and watch window do.
public struct RefactorPlanner: Sendable {
    /// How `remove_unreachable` compiles the configuration to learn which playbooks nothing can run.
    public var compilerOptions: CompilerOptions

    public init(compilerOptions: CompilerOptions = CompilerOptions(checkExecutables: false)) {
        self.compilerOptions = compilerOptions
    }

    /// The change that carries out `intent` on `files`, given what `context` says. Throws `RefactorError` when
    /// the context lacks something, the target is missing, or the intent does not apply.
    public func plan(_ intent: RefactorIntent, files: [SourceFile], context: RefactorContext) throws -> ConfigChange {
        var workspace = RefactorWorkspace(files)
        let summary: String
        switch intent.intent {
        case .tune: summary = try tune(intent, context, &workspace)
        case .rename: summary = try rename(intent, context, &workspace)
        case .extract_playbook: summary = try extractPlaybook(intent, context, &workspace)
        case .inline: summary = try inline(intent, context, &workspace)
        case .add_param: summary = try addParam(intent, context, &workspace)
        case .promote_signature: summary = try promoteSignature(intent, context, &workspace)
        case .fix_invalid: throw RefactorError.useRepairPlanners
        case .remove_unreachable: summary = try removeUnreachable(intent, &workspace)
        case .merge_duplicate_triggers: summary = try mergeDuplicateTriggers(intent, &workspace)
        case .add_health_probe: summary = try addHealthProbe(intent, context, &workspace)
        }
        let edits = workspace.edits
        guard !edits.isEmpty else { throw RefactorError.noChange(summary) }
        return ConfigChange(
            edits: edits, summary: "\(intent.header.name.value): \(summary)", origin: .refactor)
    }

    /// The intent's target name, required.
    func targetName(_ intent: RefactorIntent) throws -> String {
        guard let name = intent.target.name?.value else {
            throw RefactorError.notApplicable("`\(intent.intent.rawValue)` needs `target.name`")
        }
        return name
    }
}

extension YAMLPath {
    /// The root of document `location.document`.
    init(_ location: RefactorWorkspace.Location) {
        self.init(document: location.document)
    }
}
