import AsyncHTTPClient
import ConfigRepair
import Foundation
import GraceDSL
import Runtime

/// The optional language-model planner: when the grace document says `agent.planner: llm` and sets an
/// `endpoint` and a `model`, it asks an OpenAI-compatible chat-completions endpoint for one structured edit
/// (`GraceEditSchema`), checks it (`StructuredEditApplier`) and proposes it for review: a model's change never
/// commits by itself. It never throws out of `plan`; why it proposed nothing is in `lastError`.
public struct LLMPlanner: TaskPlanner {
    /// "llm".
    public var name: String { "llm" }

    let environment: [String: String]
    let http: HTTPClient
    let timeout: Duration
    private let last = LastError()

    /// A planner that reads the API key from `environment` and sends its requests with `http`.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, http: HTTPClient = .shared,
        timeout: Duration = .seconds(30)
    ) {
        self.environment = environment
        self.http = http
        self.timeout = timeout
    }

    /// Why the latest `plan` proposed nothing although the tree asks for this planner; nil after a proposal or
    /// when the tree does not use it.
    public var lastError: LLMError? { last.value }

    /// The model's change for `context.task`, at most one; empty when the tree does not use this planner or the
    /// request or its answer failed (see `lastError`).
    public func plan(_ context: PlanningContext) async -> [PlannedChange] {
        last.value = nil
        do {
            return try await propose(context).map { [$0] } ?? []
        } catch {
            last.value = error
            return []
        }
    }

    /// The model's change for `context.task`; nil when the tree's `agent.planner` is not `llm`.
    public func propose(_ context: PlanningContext) async throws(LLMError) -> PlannedChange? {
        let settings = context.compiled.result.graceSettings?.agent
        guard let settings, settings.planner == .llm else { return nil }
        guard let endpoint = settings.endpoint, !endpoint.isEmpty else {
            throw .notConfigured("agent.planner is llm but agent.endpoint is not set")
        }
        guard let model = settings.model, !model.isEmpty else {
            throw .notConfigured("agent.planner is llm but agent.model is not set")
        }
        let client = ChatCompletionsClient(
            endpoint: endpoint, model: model, environment: environment, timeout: timeout, http: http)
        let prompt = LLMPrompt(task: context.task, files: context.files, diagnostics: context.compiled.diagnostics)
        let content = try await client.complete(system: prompt.system, user: prompt.user)
        let answer = try Self.decode(content)
        let edits = try StructuredEditApplier(files: context.files).textEdits(for: answer)
        let summary = Self.oneLine(answer.summary)
        var planned = PlannedChange(
            change: ConfigChange(
                edits: edits, summary: summary.isEmpty ? "a language model's edit" : summary, origin: .llm),
            reasons: ["model \(model) at \(endpoint) proposed \(answer.edits.count) edit(s)"]
                + answer.edits.map(Self.describe),
            planner: name)
        planned.approval = .review
        return planned
    }

    /// The structured edit in a message's content (a Markdown code fence around it is tolerated).
    static func decode(_ content: String) throws(LLMError) -> StructuredEdit {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```"), text.hasSuffix("```"), text.count >= 6 {
            text = String(text.dropFirst(3).dropLast(3))
            if text.hasPrefix("json") { text = String(text.dropFirst(4)) }
        }
        do {
            return try JSONDecoder().decode(StructuredEdit.self, from: Data(text.utf8))
        } catch {
            throw .invalidAnswer(ChatCompletionsClient.describe(error))
        }
    }

    /// The first line of `text`, at most 200 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 200 ? String(trimmed.prefix(199)) + "…" : trimmed
    }

    /// `set config/kernels.yaml [0, restart, policy] value "always"`.
    static func describe(_ edit: StructuredEdit.Edit) -> String {
        var text = "\(edit.operation) \(edit.file) [\(edit.path.map(\.description).joined(separator: ", "))]"
        if let key = edit.key { text += " key \"\(oneLine(key))\"" }
        if let value = edit.value { text += " value \"\(oneLine(value))\"" }
        return text
    }
}

/// The planner's latest failure, behind a lock (the planner is a `Sendable` value shared by the worker's tasks).
private final class LastError: @unchecked Sendable {
    // @unchecked: `stored` is only read and written under `lock`.
    private let lock = NSLock()
    private var stored: LLMError?

    var value: LLMError? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
