import Hummingbird
import NIOCore

extension DashboardFiles {
    /// The file as a response: cached by the browser but revalidated, never sniffed; 404 when there is none.
    func response(for name: String) throws(APIError) -> Response {
        guard let file = file(name) else { throw .notFound("no dashboard file `\(name.prefix(100))`") }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}
