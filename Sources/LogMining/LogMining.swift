// LogMining: online log template mining. A kernel's lines are split by its declared logpai-style line format
// (`LogFormat`), masked by its declared regexes (`LogMasker`), and grouped into templates one line at a time
// (`TemplateMiner`); `LogMiner` does the three for one kernel.
//
// The pipeline per line:
//   1. split: a hand-written byte splitter for formats whose literal parts are plain text, the byte regex engine
//      (Pattern/) for the others, NSRegularExpression for non-ASCII lines;
//   2. mask: each mask replaces its matches by `<*>`, on the byte engine where it can;
//   3. tokenize: whitespace tokens, values recognised by shape (Tokenizer: digits, paths, key=value values, dotted
//      names, dates, size units, punctuation-only); a run of values is one value (one `<*>`);
//   4. group: the token sequence seen before goes where it went; otherwise the template with the same constant
//      words in the same order (values may be absent: `<*>` wherever a line had one); otherwise the most similar
//      template of the same length and first word (95% of constant positions), else a new template; templates
//      equal but for one word fold together when that word shows five values, or shares three with another such
//      family.
// Templates have stable ids (FNV-1a of the text); the miner is a Codable value: persisting and restoring it gives
// the same templates and ids. bench/mine measures accuracy and speed on Loghub-2k (bench/RESULTS.md).
