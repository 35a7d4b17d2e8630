/// What a write answers when there is nothing more to say than whether and what (kernel actions, restores).
public struct MessageResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    public var message: String

    public init(ok: Bool, message: String) {
        self.ok = ok
        self.message = message
    }
}

/// `POST /v1/reload`: what changed (`kind:name` of each document added, changed or removed).
public struct ReloadResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    public var message: String
    public var changed: [String]

    public init(ok: Bool, message: String, changed: [String]) {
        self.ok = ok
        self.message = message
        self.changed = changed
    }
}

/// Every error the API answers with: `{"error": {"code", "message"}}`, and `diagnostics` for a refused reload.
public struct ErrorResponse: Codable, Sendable, Equatable, Error {
    public struct Detail: Codable, Sendable, Equatable {
        /// bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, too_large,
        /// unprocessable, rate_limited, internal or unavailable.
        public var code: String
        public var message: String
        /// `file:line:column: error[CODE]: message` of each error, for a refused reload.
        public var diagnostics: [String]?

        public init(code: String, message: String, diagnostics: [String]? = nil) {
            self.code = code
            self.message = message
            self.diagnostics = diagnostics
        }
    }

    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }
}
