/// Every diagnostic Grace's compiler can emit. Codes are stable: they are documented in docs/diagnostics.md,
/// asserted by the fixture corpus and used by tools (SARIF rule ids). Never renumber; retire by leaving a gap.
public enum DiagnosticCode: String, Sendable, Codable, CaseIterable {
    // YAML (G0xx)
    case yamlSyntax = "G001"
    case aliasExpansionLimit = "G002"
    case nestingTooDeep = "G003"
    case duplicateKey = "G004"
    case nonScalarKey = "G005"
    case fileTooLarge = "G006"
    case unreadableFile = "G007"
    case unknownAnchor = "G008"
    case emptyDocument = "G009"

    // Document structure and values (G1xx)
    case documentNotMapping = "G100"
    case missingKind = "G101"
    case unknownKind = "G102"
    case missingName = "G103"
    case invalidName = "G104"
    case duplicateName = "G105"
    case unknownKey = "G106"
    case missingField = "G107"
    case wrongType = "G108"
    case invalidValue = "G109"
    case invalidDuration = "G110"
    case invalidByteSize = "G111"
    case invalidPercent = "G112"
    case unitMismatch = "G113"
    case exactlyOneOf = "G114"
    case outOfRange = "G115"
    case conflictingFields = "G116"
    case missingGraceDocument = "G117"
    case invalidSignal = "G119"
    case invalidURL = "G120"
    case invalidCron = "G121"

    // References (G2xx)
    case unknownKernel = "G201"
    case unknownPlaybook = "G202"
    case unknownSignature = "G203"
    case unknownInstance = "G204"
    case unknownGate = "G205"
    case unknownTrigger = "G206"
    case unknownComponent = "G207"
    case unknownStep = "G208"
    case unknownFleet = "G209"
    case unknownFieldPath = "G210"
    case unknownRefactor = "G211"

    // Cycles (G3xx)
    case dependencyCycle = "G301"
    case escalationCycle = "G302"
    case callCycle = "G303"

    // Triggers and reachability (G4xx)
    case triggerCannotFire = "G401"
    case triggerShadowed = "G402"
    case unreachablePlaybook = "G403"
    case signatureExampleMismatch = "G405"

    // Parameters and templates (G5xx)
    case missingParameter = "G501"
    case unknownParameter = "G502"
    case unusedParameter = "G503"
    case templateSyntax = "G504"
    case templateUnknownName = "G505"
    case typeMismatch = "G506"

    // Regexes and formats (G6xx)
    case invalidRegex = "G601"
    case invalidLogFormat = "G602"

    // The machine (G7xx)
    case missingExecutable = "G701"
    case portConflict = "G702"

    // Fleet (G8xx)
    case noPrimary = "G801"
    case multiplePrimaries = "G802"
    case duplicateInstance = "G803"
    case leaseTiming = "G804"
    case leaseBackendIncomplete = "G805"
    case noStandby = "G806"

    // Chaos and gates (G9xx)
    case chaosWithoutExpectation = "G901"
    case unusedGate = "G902"
    case faultCannotApply = "G903"
    case probeCannotPass = "G904"

    /// The severity this code has unless a check says otherwise.
    public var defaultSeverity: Severity {
        switch self {
        case .emptyDocument, .triggerShadowed, .unreachablePlaybook, .unusedParameter, .noStandby,
            .chaosWithoutExpectation, .unusedGate:
            .warning
        default:
            .error
        }
    }

    /// A short kebab-case name, used as the SARIF rule name and in docs.
    public var title: String {
        switch self {
        case .yamlSyntax: "yaml-syntax"
        case .aliasExpansionLimit: "alias-expansion-limit"
        case .nestingTooDeep: "nesting-too-deep"
        case .duplicateKey: "duplicate-key"
        case .nonScalarKey: "non-scalar-key"
        case .fileTooLarge: "file-too-large"
        case .unreadableFile: "unreadable-file"
        case .unknownAnchor: "unknown-anchor"
        case .emptyDocument: "empty-document"
        case .documentNotMapping: "document-not-mapping"
        case .missingKind: "missing-kind"
        case .unknownKind: "unknown-kind"
        case .missingName: "missing-name"
        case .invalidName: "invalid-name"
        case .duplicateName: "duplicate-name"
        case .unknownKey: "unknown-key"
        case .missingField: "missing-field"
        case .wrongType: "wrong-type"
        case .invalidValue: "invalid-value"
        case .invalidDuration: "invalid-duration"
        case .invalidByteSize: "invalid-byte-size"
        case .invalidPercent: "invalid-percent"
        case .unitMismatch: "unit-mismatch"
        case .exactlyOneOf: "exactly-one-of"
        case .outOfRange: "out-of-range"
        case .conflictingFields: "conflicting-fields"
        case .missingGraceDocument: "missing-grace-document"
        case .invalidSignal: "invalid-signal"
        case .invalidURL: "invalid-url"
        case .invalidCron: "invalid-cron"
        case .unknownKernel: "unknown-kernel"
        case .unknownPlaybook: "unknown-playbook"
        case .unknownSignature: "unknown-signature"
        case .unknownInstance: "unknown-instance"
        case .unknownGate: "unknown-gate"
        case .unknownTrigger: "unknown-trigger"
        case .unknownComponent: "unknown-component"
        case .unknownStep: "unknown-step"
        case .unknownFleet: "unknown-fleet"
        case .unknownFieldPath: "unknown-field-path"
        case .unknownRefactor: "unknown-refactor"
        case .dependencyCycle: "dependency-cycle"
        case .escalationCycle: "escalation-cycle"
        case .callCycle: "call-cycle"
        case .triggerCannotFire: "trigger-cannot-fire"
        case .triggerShadowed: "trigger-shadowed"
        case .unreachablePlaybook: "unreachable-playbook"
        case .signatureExampleMismatch: "signature-example-mismatch"
        case .missingParameter: "missing-parameter"
        case .unknownParameter: "unknown-parameter"
        case .unusedParameter: "unused-parameter"
        case .templateSyntax: "template-syntax"
        case .templateUnknownName: "template-unknown-name"
        case .typeMismatch: "type-mismatch"
        case .invalidRegex: "invalid-regex"
        case .invalidLogFormat: "invalid-log-format"
        case .missingExecutable: "missing-executable"
        case .portConflict: "port-conflict"
        case .noPrimary: "no-primary"
        case .multiplePrimaries: "multiple-primaries"
        case .duplicateInstance: "duplicate-instance"
        case .leaseTiming: "lease-timing"
        case .leaseBackendIncomplete: "lease-backend-incomplete"
        case .noStandby: "no-standby"
        case .chaosWithoutExpectation: "chaos-without-expectation"
        case .unusedGate: "unused-gate"
        case .faultCannotApply: "fault-cannot-apply"
        case .probeCannotPass: "probe-cannot-pass"
        }
    }
}
