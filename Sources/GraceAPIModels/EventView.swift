import Foundation

/// One journal entry as `GET /v1/events` and the live stream show it.
public struct EventView: Codable, Sendable, Equatable {
    /// The entry's journal id: increasing from 1 without gaps, the cursor for `after=` and `Last-Event-ID`.
    public var id: Int64
    /// When Grace journaled the entry.
    public var time: Date
    /// The dotted kind (`kernel.exited`); `GET /v1/events/kinds` lists those this build writes.
    public var kind: String
    /// The kernel the entry is about; null for entries about Grace, runs or the configuration.
    public var kernel: String?
    /// The kind's fields as stored, all text: numbers in decimal, durations in milliseconds (`ran_ms`, `delay_ms`).
    public var fields: [String: String]

    /// Makes a view from its parts; the server fills it from a journal entry.
    public init(id: Int64, time: Date, kind: String, kernel: String?, fields: [String: String]) {
        self.id = id
        self.time = time
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
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
    /// Up to `limit` entries with ids above `after`, oldest first.
    public var events: [EventView]
    /// The `after=` for the next page: the last id on this one, or the request's `after` when it is empty.
    public var nextAfter: Int64

    /// Makes a page from its entries and cursor.
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
    /// The kind as entries carry it (`run.failed`).
    public var kind: String
    /// bad, good, warn, heal or neutral: how a reader should take it.
    public var tone: String
    /// One line on what an entry of the kind records, naming its fields.
    public var summary: String

    /// Makes a view from its parts; the server fills it from `JournalKind`.
    public init(kind: String, tone: String, summary: String) {
        self.kind = kind
        self.tone = tone
        self.summary = summary
    }
}

/// `GET /v1/events/kinds`.
public struct EventKindsResponse: Codable, Sendable, Equatable {
    /// Every kind this build writes, in a stable order.
    public var kinds: [EventKindView]

    /// Wraps the kinds.
    public init(kinds: [EventKindView]) {
        self.kinds = kinds
    }
}
