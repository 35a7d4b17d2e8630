struct MissingParameterPlanner {
    struct Finding: Equatable { var parameter: String; var hint: String? };
    static func finding(in line: String) -> Finding? { nil }
}
