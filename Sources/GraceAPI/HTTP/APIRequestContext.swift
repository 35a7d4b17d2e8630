import GraceAPIModels
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage, the client's address (the key of its rate limits), and the
/// API's JSON conventions for bodies in and out.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text.
    var client: String { remoteAddress?.ipAddress ?? "unknown" }

    var requestDecoder: APIRequestDecoder { APIRequestDecoder() }
    var responseEncoder: APIResponseEncoder { APIResponseEncoder() }

    /// Bodies beyond this are refused with 413 (`too_large`).
    var maxUploadSize: Int { APIRequestContext.bodyLimit }
    static let bodyLimit = 64 * 1024
}
