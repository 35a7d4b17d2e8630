import ArgumentParser
import Foundation
import GraceAPIModels
import GraceDSL

/// Where the running Grace's HTTP API is and the token to write to it: `--api`, else `api.listen` of the
/// configuration root's grace document (default 127.0.0.1:7070); the token from `<state dir>/api.token`.
struct APIOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The API's base URL. Default: api.listen of the grace document, 127.0.0.1:7070 if unset.",
            valueName: "url"))
    var api: String?

    @OptionGroup var state: StateDirectoryOption

    @Option(
        help: ArgumentHelp(
            "Talk to this instance of the fleet document (its `api` address and state directory).",
            valueName: "name"))
    var instance: String?

    @Flag(help: "Print the API's JSON answer instead of text.")
    var json = false

    func validate() throws {
        try APIClient.validate(api: api)
    }

    func client() throws -> APIClient {
        try APIClient.connecting(api: api, state: state, instance: instance)
    }
}

/// A small client of Grace's HTTP API (HTTP/1.1 over SwiftNIO: see `HTTPExchange`).
struct APIClient: Sendable {
    let base: URL
    let token: String?

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// An answer outside 2xx. Exit status 2 when the request itself was wrong (bad request, no token, unknown
    /// name, wrong method, too large), 1 when Grace understood it and refused (a conflict, an invalid reload).
    struct Failure: CommandFailure {
        var status: Int
        var message: String

        var description: String {
            var text = "error: \(message) (HTTP \(status))"
            if status == 401 {
                text += "\nhint: the token is read from <state dir>/api.token; pass --state-dir if it is elsewhere"
            }
            return text
        }

        var exitCode: ExitCode { [400, 401, 404, 405, 413].contains(status) ? ExitCode(2) : ExitCode(1) }
    }

    /// Throws `ValidationError` unless `api` is nil or an http:// URL with a host, the only kind `HTTPExchange`
    /// speaks.
    static func validate(api: String?) throws {
        guard let api else { return }
        guard let url = URL(string: api), url.scheme == "http", let host = url.host, !host.isEmpty else {
            throw ValidationError("--api takes an http:// URL such as http://127.0.0.1:7070, got `\(api)`")
        }
    }

    /// The client for `--api` and `--state-dir`: the configuration root is compiled at most once, and not at all
    /// with both.
    static func connecting(api: String?, state: StateDirectoryOption, instance: String? = nil) throws -> APIClient {
        let configured = api != nil && state.stateDir != nil ? nil : try? ConfiguredRoot.load()
        var base = api
        var stateDirectory = state.stateDir != nil ? try? state.resolve() : configured?.stateDirectory
        if let instance {
            // Another instance of the fleet, run from this root: its address in the fleet document, its state
            // directory beside the grace document's unless it is that document's own instance.
            guard let configured,
                let declared = configured.result.graph?.fleet(listing: instance)?.instances.first(where: {
                    $0.name.value == instance
                })
            else { throw CLIError.usage("--instance \(instance): no fleet document of this configuration lists it") }
            if base == nil {
                base = "http://" + declared.api.value.replacingOccurrences(of: "0.0.0.0:", with: "127.0.0.1:")
            }
            if state.stateDir == nil, configured.settings?.instance?.value != instance {
                stateDirectory = configured.stateDirectory.deletingLastPathComponent().appendingPathComponent(instance)
            }
        }
        if base == nil {
            let listen = configured?.settings?.apiListen?.value ?? "127.0.0.1:7070"
            // A wildcard listen address is reached on loopback.
            let host = listen.replacingOccurrences(of: "0.0.0.0:", with: "127.0.0.1:")
                .replacingOccurrences(of: "[::]:", with: "[::1]:")
            base = "http://" + host
        }
        let token = stateDirectory.flatMap {
            try? String(contentsOf: $0.appendingPathComponent("api.token"), encoding: .utf8)
        }?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let base, let url = URL(string: base.hasSuffix("/") ? String(base.dropLast()) : base) else {
            throw CLIError.usage("`\(base ?? "")` is not a URL")
        }
        return APIClient(base: url, token: token)
    }

    /// The headers every request carries: the token, when there is one.
    var authorization: [(String, String)] { token.map { [("Authorization", "Bearer " + $0)] } ?? [] }

    /// Sends a request; throws `CLIError.io` with a useful message when Grace does not answer.
    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Response {
        guard let url = URL(string: base.absoluteString + path) else { throw CLIError.usage("bad path \(path)") }
        var headers = authorization
        if body != nil { headers.append(("Content-Type", "application/json")) }
        do {
            let answer = try await HTTPExchange.send(
                method: method, url: url, headers: headers, body: body.map { Array($0) }, timeout: .seconds(300))
            return Response(status: answer.status, body: Data(answer.body))
        } catch {
            throw CLIError.io(
                "Grace is not running: no answer at \(base.absoluteString) (\(error)); "
                    + "start it with `grace run`, or pass --api")
        }
    }

    /// The typed body of a 2xx answer, and its bytes (what `--json` prints). Other answers print the API's
    /// diagnostics, if any, to stdout and throw `Failure` with the API's error message.
    func get<Body: Decodable>(
        _ type: Body.Type, _ path: String, method: String = "GET", body: Data? = nil
    ) async throws -> (value: Body, data: Data) {
        let response = try await send(method, path, body: body)
        guard (200..<300).contains(response.status) else {
            let error = try? APIJSON.decoder().decode(ErrorResponse.self, from: response.body).error
            for line in error?.diagnostics ?? [] { print(line) }
            throw Failure(
                status: response.status,
                message: error?.message ?? String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        do {
            return (try APIJSON.decoder().decode(type, from: response.body), response.body)
        } catch {
            throw CLIError.io("Grace answered \(method) \(path) with a body this client does not read: \(error)")
        }
    }

    /// Prints a JSON answer as the API sent it, indented.
    static func printJSON(_ data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(String(decoding: pretty, as: UTF8.self))
    }

    /// Prints a value as the API's JSON, indented (for answers the client assembled itself).
    static func printJSON(_ value: some Encodable) {
        let encoder = APIJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        guard let data = try? encoder.encode(value) else { return }
        print(String(decoding: data, as: UTF8.self))
    }

    /// Percent-encodes one path segment or query value.
    static func escape(_ text: String) -> String {
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
