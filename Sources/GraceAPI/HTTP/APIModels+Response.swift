import GraceAPIModels
import Hummingbird

// The API's bodies are answered through the context's encoder (`APIResponseEncoder`).
extension StatusResponse: ResponseEncodable {}
extension RoleResponse: ResponseEncodable {}
extension FleetView: ResponseEncodable {}
extension KernelsResponse: ResponseEncodable {}
extension KernelView: ResponseEncodable {}
extension EventsPage: ResponseEncodable {}
extension EventKindsResponse: ResponseEncodable {}
extension RunsResponse: ResponseEncodable {}
extension RunView: ResponseEncodable {}
extension PlaybookRunResponse: ResponseEncodable {}
extension KnowledgeResponse: ResponseEncodable {}
extension SignatureView: ResponseEncodable {}
extension SnapshotsResponse: ResponseEncodable {}
extension SnapshotView: ResponseEncodable {}
extension ComponentsResponse: ResponseEncodable {}
extension MessageResponse: ResponseEncodable {}
extension ReloadResponse: ResponseEncodable {}
extension AgentStatusView: ResponseEncodable {}
extension AgentTasksResponse: ResponseEncodable {}
extension AgentTaskView: ResponseEncodable {}
extension ChaosView: ResponseEncodable {}
extension JournalCheckView: ResponseEncodable {}
extension IncidentView: ResponseEncodable {}
