// LogMining: online log template mining. A kernel's lines are split by its declared logpai-style line format,
// masked by its declared regexes, and grouped into templates one line at a time, Drain-style.
