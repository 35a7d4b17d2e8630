/// A refused fault request: the HTTP status and why (400 for a bad parameter, 404 for an unknown fault).
struct FaultError: Error {
    let status: Int
    let message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    init(_ message: String) { self.init(400, message) }
}
