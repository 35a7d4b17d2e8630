/// An answer, and what to do once it has been sent (crash and hang act after answering).
struct HTTPResponse {
    var status: Int
    var body: String
    var contentType = "text/plain"
    /// The methods an `Allow` header lists, with a 405.
    var allow: String?
    var then: (@Sendable () -> Void)?

    /// The reason phrases of the statuses grace-demo answers with.
    static let reasons = [
        200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
        408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
        431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
    ]

    /// The HTTP/1.1 response as sent: status line, headers and, unless the request was a HEAD, the body. Every
    /// connection closes after one answer.
    func bytes(forMethod method: String) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reasons[status] ?? "Error")\r\nServer: grace-demo\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
        head += "Connection: close\r\n\(allow.map { "Allow: \($0)\r\n" } ?? "")\r\n"
        return Array((method == "HEAD" ? head : head + body).utf8)
    }
}
