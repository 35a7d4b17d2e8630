import ArgumentParser
import Logging

/// `--log-level trace|debug|info|notice|warning|error|critical`: the help lists the values, and anything else is
/// a usage error instead of a silent `info`.
extension Logger.Level: @retroactive ExpressibleByArgument {}
