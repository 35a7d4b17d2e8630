// The EmbedDashboard plugin's tool: `DashboardEmbedder OUTPUT FILE...` writes OUTPUT, a Swift source that extends
// GraceAPI's `DashboardFiles` with every FILE's bytes, by base name, as base64 text (a string literal compiles at
// once where an array literal of 60,000 bytes would keep the type checker busy; it is decoded once at start).
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: DashboardEmbedder OUTPUT FILE...\n".utf8))
    exit(2)
}
var source = """
    // Generated at build time by the EmbedDashboard plugin from Sources/GraceAPI/Dashboard/; do not edit.

    extension DashboardFiles {
        /// The dashboard's files as they were when this binary was built: base64 of each file's bytes, by name.
        static let embedded: [String: String] = [

    """
let plainCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let name = url.lastPathComponent
    // DashboardFiles serves plain names only; such a name also needs no escaping in a string literal.
    guard name.allSatisfy(plainCharacters.contains) else {
        FileHandle.standardError.write(Data("DashboardEmbedder: warning: \(path) is not embedded: odd name\n".utf8))
        continue
    }
    do {
        let data = try Data(contentsOf: url)
        source += "        \"\(name)\": \"\(data.base64EncodedString())\",\n"
    } catch {
        FileHandle.standardError.write(Data("DashboardEmbedder: cannot read \(path): \(error)\n".utf8))
        exit(1)
    }
}
source += source.hasSuffix("[\n") ? "        :\n    ]\n}\n" : "    ]\n}\n"
do {
    // Written only when it changed, so that an unchanged dashboard does not recompile GraceAPI.
    if (try? String(contentsOfFile: output, encoding: .utf8)) != source {
        try source.write(toFile: output, atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("DashboardEmbedder: cannot write \(output): \(error)\n".utf8))
    exit(1)
}
