import GraceAPIModels
import Hummingbird
import Runtime

/// `/v1/kb` and `/v1/kb/{id}`: the error signatures mined from the kernels' logs and their playbooks.
struct KnowledgeRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        let store = services.store
        routes.get("/v1/kb") { request, _ in
            let limit = try QueryParameters(request).integer("limit", default: 50, in: 1...1000)
            let signatures = try APIError.wrapping("reading the knowledge base") {
                try store.knownSignatures(limit: limit)
            }
            return KnowledgeResponse(signatures: signatures.map(Self.view))
        }
        routes.get("/v1/kb/:id") { _, context in
            let key = try context.parameter("id")
            guard let signature = try APIError.wrapping("reading the knowledge base", { try store.knownSignature(key) })
            else {
                throw APIError.notFound(
                    "no signature `\(key.prefix(100))` (an id, a unique id prefix or a declared name)")
            }
            return Self.view(signature)
        }
    }

    static func view(_ s: KnownSignature) -> SignatureView {
        SignatureView(
            id: s.id, template: s.template, severity: s.severity.rawValue, declared: s.declared, example: s.example,
            firstSeen: s.firstSeen, lastSeen: s.lastSeen, count: s.count, kernels: s.kernels,
            bindings: s.bindings.map {
                SignatureView.Binding(
                    playbook: $0.playbook, successes: $0.successes, failures: $0.failures, declared: $0.declared,
                    expectedSuccess: ($0.expectedSuccess * 1000).rounded() / 1000)
            })
    }
}
