import Foundation

/// One journal entry as `GET /v1/events` and the live stream show it.
public struct EventView: Codable, Sendable, Equatable {
    public var id: Int64
    public var time: Date
    public var kind: String
    public var kernel: String?
    public var fields: [String: String]

    public init(id: Int64, time: Date, kind: String, kernel: String?, fields: [String: String]) {
        self.id = id
        self.time = time
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(time, forKey: .time)
        try c.encode(kind, forKey: .kind)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(fields, forKey: .fields)
    }

    enum CodingKeys: String, CodingKey {
        case id, time, kind, kernel, fields
    }
}

/// `GET /v1/events`: a page of the journal, oldest first; ask again with `after=next_after` for the next.
public struct EventsPage: Codable, Sendable, Equatable {
    public var events: [EventView]
    public var nextAfter: Int64

    public init(events: [EventView], nextAfter: Int64) {
        self.events = events
        self.nextAfter = nextAfter
    }

    enum CodingKeys: String, CodingKey {
        case events
        case nextAfter = "next_after"
    }
}

/// One kind of journal entry (`GET /v1/events/kinds`).
public struct EventKindView: Codable, Sendable, Equatable {
    public var kind: String
    /// bad, good, warn, heal or neutral: how a reader should take it.
    public var tone: String
    public var summary: String

    public init(kind: String, tone: String, summary: String) {
        self.kind = kind
        self.tone = tone
        self.summary = summary
    }
}

/// `GET /v1/events/kinds`.
public struct EventKindsResponse: Codable, Sendable, Equatable {
    public var kinds: [EventKindView]

    public init(kinds: [EventKindView]) {
        self.kinds = kinds
    }
}
