/// Cross-document checks over decoded documents: references, cycles, types, reachability, the machine.
///
/// Each concern lives in its own extension file (`Checker+Kernels.swift`, ...); every check only emits
/// diagnostics into the sink and never stops the others, so one run reports everything it can.
final class Checker {
    let table: SymbolTable
    let sink: DiagnosticSink
    let options: CompilerOptions
    let executables: ExecutableResolver
    let regexes = RegexCompiler()
    /// Parts of files that did not parse, with the references held back because they may be defined there.
    private(set) var unread: [UnreadDefinitions]

    init(table: SymbolTable, sink: DiagnosticSink, options: CompilerOptions, unread: [UnreadDefinitions] = []) {
        self.table = table
        self.sink = sink
        self.options = options
        self.unread = unread
        executables = ExecutableResolver(root: options.root, toolDirectories: options.toolDirectories)
    }

    /// Whether some part of some file could not be read: checks that need every document (is this playbook
    /// reachable, is this gate used, is there a `grace` document) then stand down, since the missing part may
    /// hold what they look for.
    var someDocumentsUnread: Bool { !unread.isEmpty }

    func run() {
        checkGraceSettings()
        checkKernels()
        checkPorts()
        checkDependencyCycles()
        checkPlaybooks()
        checkEscalationAndCallCycles()
        checkTriggers()
        checkShadowing()
        checkSignatures()
        checkReachability()
        checkRefactors()
        checkFleets()
        checkChaosAndGates()
    }

    // MARK: - References

    static func code(for kind: DocumentKind) -> DiagnosticCode {
        switch kind {
        case .kernel: .unknownKernel
        case .playbook: .unknownPlaybook
        case .signature: .unknownSignature
        case .gate: .unknownGate
        case .trigger: .unknownTrigger
        case .fleet: .unknownFleet
        case .refactor: .unknownRefactor
        case .grace, .chaos: .unknownTrigger
        }
    }

    /// Reports a name that resolves to nothing, with a "did you mean" among the names of that kind.
    func unknown(_ ref: Located<String>, kind: DocumentKind, context: String? = nil, extra: [String] = []) {
        let candidates = table.names(of: kind) + extra
        report(unknown: ref, what: kind.rawValue, code: Self.code(for: kind), candidates: candidates, context: context)
    }

    func report(
        unknown ref: Located<String>, what: String, code: DiagnosticCode, candidates: [String], context: String? = nil
    ) {
        if holdBack(ref, what: what, code: code) { return }
        let suffix = context.map { " in \($0)" } ?? ""
        if let guess = Suggestion.closest(to: ref.value, in: candidates.sorted()) {
            sink.emit(
                code, "unknown \(what) `\(ref.value)`\(suffix); did you mean `\(guess)`?", at: ref.span,
                fixIts: [FixIt("replace with `\(guess)`", span: ref.span, replacement: guess)])
        } else {
            sink.emit(code, "unknown \(what) `\(ref.value)`\(suffix)", at: ref.span)
        }
    }

    /// Codes of references to the names of documents (and of fleet instances), which an unread part of a file
    /// may define; steps, fields and parameters are local to a document that did parse.
    private static let definitionCodes: Set<DiagnosticCode> = [
        .unknownKernel, .unknownPlaybook, .unknownSignature, .unknownInstance, .unknownGate, .unknownTrigger,
        .unknownComponent, .unknownFleet, .unknownRefactor,
    ]

    /// Records, instead of reporting, an unknown reference to a name that an unread part of a file may define.
    private func holdBack(_ ref: Located<String>, what: String, code: DiagnosticCode) -> Bool {
        guard !unread.isEmpty, Self.definitionCodes.contains(code),
            let index = unread.firstIndex(where: { $0.names.contains(ref.value) })
        else { return false }
        unread[index].record(ref, what: what)
        return true
    }

    /// Resolves a literal reference; reports and returns false when unknown. `*` is accepted where allowed.
    @discardableResult
    func resolve(_ ref: Located<String>, kind: DocumentKind, allowWildcard: Bool = false, context: String? = nil)
        -> Bool
    {
        if allowWildcard && ref.value == "*" { return true }
        if table.contains(ref.value, kind: kind) { return true }
        unknown(ref, kind: kind, context: context)
        return false
    }

    @discardableResult
    func resolveInstance(_ ref: Located<String>, allowWildcard: Bool = false) -> Bool {
        if allowWildcard && ref.value == "*" { return true }
        if table.instances[ref.value] != nil { return true }
        report(unknown: ref, what: "fleet instance", code: .unknownInstance, candidates: Array(table.instances.keys))
        return false
    }

    /// A kernel or one of Grace's own components (for `silence` and `deadlock`).
    func resolveKernelOrComponent(_ ref: Located<String>) -> Bool {
        if table.contains(ref.value, kind: .kernel) || GraceSettings.componentNames.contains(ref.value) { return true }
        let candidates = Array(table.kernels.keys) + GraceSettings.componentNames
        let nearest = Suggestion.closest(to: ref.value, in: candidates.sorted())
        let isComponent =
            nearest.map { GraceSettings.componentNames.contains($0) && table.kernels.index(forKey: $0) == nil } ?? false
        report(
            unknown: ref, what: isComponent ? "component" : "kernel or component",
            code: isComponent ? .unknownComponent : .unknownKernel, candidates: candidates)
        return false
    }

    // MARK: - Regexes

    @discardableResult
    func checkRegex(_ pattern: Located<String>, what: String) -> Bool {
        if case .failure(let error) = regexes.compile(pattern.value) {
            sink.emit(
                .invalidRegex,
                "\(what) `\(pattern.value)` is not a valid regular expression: "
                    + RegexCompiler.reason(error), at: pattern.span)
            return false
        }
        return true
    }

    // MARK: - Executables

    func checkExecutable(_ command: Located<Command>, what: String) {
        guard options.checkExecutables else { return }
        let name = command.value.executable
        guard !Template.looksTemplated(name), executables.resolve(name) == nil else { return }
        let hint =
            name.contains("/")
            ? "no executable file at `\(name)` (relative to \(options.root))"
            : "`\(name)` is not in PATH or next to the grace binary"
        sink.emit(.missingExecutable, "\(what) runs `\(name)`, which does not exist: \(hint)", at: command.span)
    }
}
