/// The coding agent: takes tasks from the durable queue in the state directory, plans configuration changes
/// (fix-its, repairs, refactor intents, learned patterns, optionally a language model), passes each through the
/// gate, commits it with git, has Grace reload, watches what it touched and reverts what made things worse.
/// `grace agent run` hosts it as its own process, supervised by Grace as a system kernel.
public enum GraceAgent {}
