import Foundation
import GraceAPIModels
import GraceDSL

/// What a drill needs of one running Grace, through its HTTP API. The `grace` CLI implements it; tests may fake it.
public protocol GraceLink: Sendable {
    /// The instance this link talks to (its fleet name, or `grace` outside a fleet).
    var instance: String { get }
    /// `GET /v1/status`.
    func status() async throws -> StatusResponse
    /// `GET /v1/kernels`.
    func kernels() async throws -> [KernelView]
    /// `GET /v1/events?after=`: the journal entries after `after`, oldest first (one page).
    func events(after: Int64) async throws -> [EventView]
    /// `GET /v1/journal/verify`.
    func journalCheck() async throws -> JournalCheckView
    /// `POST /v1/chaos/drills`.
    func record(_ record: DrillRecord) async throws
    /// `POST /v1/snapshots` for one kernel (a snapshot taken while the drill runs).
    func snapshot(kernel: String) async throws
    /// `POST /v1/fleet/rejoin` for this instance: out of quarantine once its own checks pass.
    func rejoin() async throws
    /// `GET /v1/fleet`: the fleet as this instance sees it (who is present, who holds the lease).
    func fleet() async throws -> FleetView
}

/// Plain HTTP the drill does itself: the kernels' health URLs (its own evidence of availability) and their fault
/// endpoints.
public protocol ChaosHTTP: Sendable {
    /// The status of a GET, or nil when nothing answered within `timeout`.
    func get(_ url: String, timeout: Duration) async -> Int?
    /// POSTs to `url` and returns the status; throws when nothing answered.
    func post(_ url: String) async throws -> Int
    /// The status and body of a GET (a declared http probe), or nil when nothing answered within `timeout`.
    func fetch(_ url: String, timeout: Duration) async -> HTTPAnswer?
}

/// What a GET answered.
public struct HTTPAnswer: Sendable {
    /// The status code.
    public var status: Int
    /// The body, as UTF-8 text.
    public var body: String

    /// Makes an answer.
    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// The Graces a drill runs against and how to reach each: the primary (or the only one), and every other instance
/// of its fleet that answers.
public struct DrillTarget: Sendable {
    /// The configuration root both the drill and the Graces run from.
    public var root: URL
    /// The compiled configuration (the same hash as the running graph's).
    public var graph: ExecutionGraph
    /// A link per instance name; `main` first.
    public var links: [String: any GraceLink]
    /// The instance the drill was asked to talk to.
    public var main: String
    /// HTTP for probes and fault endpoints.
    public var http: any ChaosHTTP
    /// Starts a Grace instance of this root in the background (`grace run --instance NAME`) and returns its pid.
    public var startInstance: @Sendable (String) async throws -> Int32
    /// The executable to run helper processes with (`grace chaos hold-port`).
    public var executable: String

    /// Makes a target from its parts.
    public init(
        root: URL, graph: ExecutionGraph, links: [String: any GraceLink], main: String, http: any ChaosHTTP,
        startInstance: @escaping @Sendable (String) async throws -> Int32, executable: String
    ) {
        self.root = root
        self.graph = graph
        self.links = links
        self.main = main
        self.http = http
        self.startInstance = startInstance
        self.executable = executable
    }
}
