import Foundation

/// Where the running `grace` binary lives, so tools built next to it (`grace-demo`) resolve like git's commands.
enum ToolLocation {
    static func directories() -> [String] {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return [(exe as NSString).deletingLastPathComponent]
        }
        return []
    }

    /// The running `grace` binary's path (what runs the coding agent's process), nil when it cannot be read.
    static func executable() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}
