import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the client's address (for rate limits).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, the key of its rate limits.
    public var client: String { remoteAddress?.ipAddress ?? "unknown" }
}
