/// What a write answers when there is nothing more to say than whether and what (kernel actions, restores).
public struct MessageResponse: Codable, Sendable, Equatable {
    /// Always true: a refusal is an `ErrorResponse` with a 4xx or 5xx status instead.
    public var ok: Bool
    /// What was done or set under way, for a person (`restarting api`).
    public var message: String

    /// Makes a response from its parts.
    public init(ok: Bool, message: String) {
        self.ok = ok
        self.message = message
    }
}

/// `POST /v1/reload`: what changed (`kind:name` of each document added, changed or removed).
public struct ReloadResponse: Codable, Sendable, Equatable {
    /// Always true: a refused reload is a 422 `ErrorResponse` with `diagnostics`.
    public var ok: Bool
    /// `reloaded in 12.3 ms` or `configuration unchanged`.
    public var message: String
    /// The documents added, changed or removed, sorted; empty when nothing changed.
    public var changed: [String]

    /// Makes a response from its parts.
    public init(ok: Bool, message: String, changed: [String]) {
        self.ok = ok
        self.message = message
        self.changed = changed
    }
}

/// Every error the API answers with: `{"error": {"code", "message"}}`, and `diagnostics` for a refused reload.
public struct ErrorResponse: Codable, Sendable, Equatable, Error {
    /// The body of `error`.
    public struct Detail: Codable, Sendable, Equatable {
        /// bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, too_large,
        /// unprocessable, rate_limited, internal or unavailable.
        public var code: String
        /// What went wrong, for a person.
        public var message: String
        /// `file:line:column: error[CODE]: message` of each error, for a refused reload.
        public var diagnostics: [String]?

        /// Makes a detail; `diagnostics` only for a refused reload.
        public init(code: String, message: String, diagnostics: [String]? = nil) {
            self.code = code
            self.message = message
            self.diagnostics = diagnostics
        }
    }

    /// The error's code, message and any diagnostics.
    public var error: Detail

    /// Wraps a detail.
    public init(error: Detail) {
        self.error = error
    }
}
