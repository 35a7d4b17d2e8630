// The journal's vocabulary as Grace serves it (GET /v1/events/kinds, from `JournalKind`): every kind of entry and
// its tone. The page keeps no list of its own. A kind missing from the list (a journal another version wrote)
// is neutral.

import { getEventKinds } from "./api.js";

const TONES = new Set(["bad", "good", "warn", "heal", "neutral"]);

/** The kinds of journal entries and how each is coloured. */
export class Vocabulary {
  /** @type {Map<string, string>} kind -> tone */
  #tones = new Map();

  /**
   * Fetches the kinds (again: a Grace that came back may be another version) and replaces the ones known.
   * @returns {Promise<string[]>} the kinds
   */
  async load() {
    const body = await getEventKinds();
    const tones = new Map();
    for (const entry of body?.kinds ?? []) {
      if (typeof entry?.kind !== "string" || entry.kind === "") continue;
      tones.set(entry.kind, TONES.has(entry.tone) ? entry.tone : "neutral");
    }
    this.#tones = tones;
    return this.kinds;
  }

  /** Whether the kinds have been loaded. */
  get isLoaded() {
    return this.#tones.size > 0;
  }

  /** @returns {string[]} every known kind */
  get kinds() {
    return [...this.#tones.keys()];
  }

  /**
   * How an entry of this kind is coloured: bad, good, warn, heal or neutral.
   * @param {string} kind
   * @returns {string}
   */
  tone(kind) {
    return this.#tones.get(kind) ?? "neutral";
  }
}
