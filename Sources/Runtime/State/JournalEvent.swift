/// Something that happened, as the supervisor reports it to the journal before acting on it.
///
/// `kind` is dotted (`kernel.started`, `kernel.exited`, `kernel.restart_scheduled`, `grace.started`, ...);
/// `fields` carries the details (pid, code, signal, reason, ...) as text so that every entry hashes the same way.
public struct JournalEvent: Sendable, Hashable, Codable {
    public var kind: String
    /// The kernel the event is about, if any.
    public var kernel: String?
    public var fields: [String: String]

    public init(kind: String, kernel: String? = nil, fields: [String: String] = [:]) {
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
    }
}
