import Foundation

/// The coding agent at a glance, as `GET /v1/agent` shows it.
public struct AgentStatusView: Codable, Sendable, Equatable {
    /// Whether the agent is paused (`grace agent pause`): it takes up no new task until resumed.
    public var paused: Bool
    /// How many edit patterns it has learned.
    public var patterns: Int
    /// How many tasks are not finished: queued, being worked, watched or waiting for review.
    public var tasksOpen: Int

    /// Makes a view from its parts.
    public init(paused: Bool, patterns: Int, tasksOpen: Int) {
        self.paused = paused
        self.patterns = patterns
        self.tasksOpen = tasksOpen
    }

    enum CodingKeys: String, CodingKey {
        case paused, patterns
        case tasksOpen = "tasks_open"
    }
}
