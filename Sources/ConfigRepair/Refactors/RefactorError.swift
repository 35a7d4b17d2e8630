import GraceDSL

/// Why a refactor intent produced no change.
public enum RefactorError: Error, Sendable, CustomStringConvertible {
    /// The context lacks what this kind of intent needs.
    case missingContext(intent: String, needs: String)
    /// No document of that kind and name in the files.
    case noDocument(kind: String, name: String)
    /// The intent does not apply to the configuration as it is.
    case notApplicable(String)
    /// The configuration already is what the intent would make it.
    case noChange(String)
    /// `fix_invalid` is carried out by the repair planners, not by a transformation.
    case useRepairPlanners
    /// A file could not be edited.
    case edit(YAMLEditError)

    /// A line for the user.
    public var description: String {
        switch self {
        case .missingContext(let intent, let needs): "a `\(intent)` refactor needs \(needs) in its context"
        case .noDocument(let kind, let name): "no \(kind) named `\(name)`"
        case .notApplicable(let why): "the refactor does not apply: \(why)"
        case .noChange(let why): "nothing to change: \(why)"
        case .useRepairPlanners: "`fix_invalid` is planned by the repair planners, not by a refactoring"
        case .edit(let error): error.description
        }
    }
}
