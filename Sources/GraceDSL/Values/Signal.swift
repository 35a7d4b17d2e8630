/// A POSIX signal by name. Numbers are the Linux ones (x86_64 and arm64 agree on these).
public struct Signal: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var number: Int32

    public static let known: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
        "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
        "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
    ]

    /// Accepts `SIGTERM`, `TERM` and `sigterm`.
    public static func parse(_ text: String) -> Signal? {
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        guard let number = known[name] else { return nil }
        return Signal(name: "SIG" + name, number: number)
    }

    public var description: String { name }
}
