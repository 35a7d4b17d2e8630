// The journal as it happens: the SSE stream /v1/events/stream, with reconnection and catch-up from /v1/events.
//
// EventSource hands a named event (`event: KIND`) only to listeners of that name, so the feed listens for every
// kind the vocabulary lists, plus any kind it meets in a catch-up. A gap (a kind not listened for, a reconnect)
// is filled by `catchUp()`, which the page calls every few seconds. Every journal entry reaches `onEvent` once,
// by id, whichever way it came. A journal whose last id is behind the ones seen is another journal (a fresh
// state directory): the feed starts afresh and `onReset` clears what was shown.

import { eventStreamURL, getEvents } from "./api.js";

const BACKLOG = 100;
const PAGE = 1000;
const CATCH_UP_PAGES = 5;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;

/**
 * The journal ids handled: every id up to `upTo`, plus those in `above`. Bounded, because catch-up fills the gaps
 * and settles `upTo` forward.
 */
class SeenIds {
  upTo = 0;
  /** @type {Set<number>} */
  above = new Set();

  /** Records an id; false when it was handled already. */
  mark(id) {
    if (id <= this.upTo || this.above.has(id)) return false;
    this.above.add(id);
    while (this.above.delete(this.upTo + 1)) this.upTo += 1;
    return true;
  }

  /** Every id up to `id` is handled (or will never be shown). */
  settle(id) {
    if (id <= this.upTo) return;
    this.upTo = id;
    for (const seen of this.above) if (seen <= id) this.above.delete(seen);
  }

  reset() {
    this.upTo = 0;
    this.above.clear();
  }
}

/**
 * @typedef {object} FeedHandlers
 * @property {(event: any, live: boolean) => void} onEvent each entry once; `live` is false for the backlog
 *   loaded at start, which is shown but not reacted to
 * @property {() => void} onReset the journal is another one: forget the events shown
 * @property {(state: "live" | "connecting" | "offline", text: string) => void} onConnection
 * @property {() => void} onReconnect the stream is back after a drop: refresh everything
 * @property {(error: unknown) => void} onError
 */

/** The live journal. */
export class JournalFeed {
  #handlers;
  #seen = new SeenIds();
  /** @type {Set<string>} */
  #kinds = new Set();
  /** @type {EventSource | null} */
  #source = null;
  #retryDelay = FIRST_RETRY_MS;
  #retryTimer = 0;
  #wasDown = false;
  #onMessage = (message) => this.#receive(message);

  /** @param {FeedHandlers} handlers */
  constructor(handlers) {
    this.#handlers = handlers;
  }

  /** Whether the stream is connected. */
  get isOpen() {
    return this.#source?.readyState === EventSource.OPEN;
  }

  /**
   * Listens for these kinds on the stream, now and after every reconnect.
   * @param {Iterable<string>} kinds
   */
  listen(kinds) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind)) continue;
      this.#kinds.add(kind);
      this.#source?.addEventListener(kind, this.#onMessage);
    }
  }

  /**
   * Shows the last entries up to `lastId` (not live), then follows the stream from there.
   * @param {number} lastId the journal's last id, from /v1/status
   */
  async start(lastId) {
    try {
      await this.#loadBacklog(lastId);
    } catch (error) {
      this.#handlers.onError(error);
      this.#seen.settle(lastId);
    }
    this.#open();
  }

  /**
   * Starts afresh when the journal's last id is behind the ids seen: another journal (a fresh state directory).
   * @param {unknown} lastId the journal's last id, from /v1/status
   */
  noticeLastId(lastId) {
    if (typeof lastId !== "number" || lastId >= this.#seen.upTo) return;
    this.#seen.reset();
    this.#handlers.onReset();
    this.#loadBacklog(lastId).catch(this.#handlers.onError).finally(() => this.#open());
  }

  /** Fetches, as live events, whatever the stream has not delivered since the last contiguous id handled. */
  async catchUp() {
    let after = this.#seen.upTo;
    for (let page = 0; page < CATCH_UP_PAGES; page += 1) {
      const body = await getEvents(after, PAGE);
      const events = body?.events ?? [];
      for (const event of events) this.#deliver(event, true);
      const next = body?.next_after ?? (events.length ? events[events.length - 1].id : after);
      this.#seen.settle(next);
      if (events.length < PAGE || next <= after) break;
      after = next;
    }
  }

  async #loadBacklog(lastId) {
    const after = Math.max(0, lastId - BACKLOG);
    this.#seen.settle(after);
    const body = await getEvents(after, BACKLOG);
    for (const event of body?.events ?? []) this.#deliver(event, false);
    this.#seen.settle(Math.max(lastId, body?.next_after ?? 0));
  }

  #deliver(event, live) {
    if (typeof event?.id !== "number" || !this.#seen.mark(event.id)) return;
    // A kind the vocabulary lacked (another version's journal): the stream brings it from now on.
    if (typeof event.kind === "string" && event.kind !== "") this.listen([event.kind]);
    this.#handlers.onEvent(event, live);
  }

  #receive(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event && typeof event === "object") this.#deliver(event, true);
  }

  #open() {
    this.#source?.close();
    clearTimeout(this.#retryTimer);
    this.#handlers.onConnection("connecting", "connecting…");
    const source = new EventSource(eventStreamURL(this.#seen.upTo));
    this.#source = source;
    // Unnamed messages arrive as "message"; adding the same listener twice is a no-op.
    source.addEventListener("message", this.#onMessage);
    for (const kind of this.#kinds) source.addEventListener(kind, this.#onMessage);
    source.onopen = () => this.#opened(source);
    source.onerror = () => this.#failed(source);
  }

  #opened(source) {
    if (this.#source !== source) return;
    this.#retryDelay = FIRST_RETRY_MS;
    this.#handlers.onConnection("live", "live");
    if (this.#wasDown) {
      this.#wasDown = false;
      this.#handlers.onReconnect();
    }
  }

  #failed(source) {
    if (this.#source !== source) return;
    this.#wasDown = true;
    if (source.readyState !== EventSource.CLOSED) {
      this.#handlers.onConnection("connecting", "reconnecting…");
      return;
    }
    // The browser gave up (e.g. the server answered with an error status): retry ourselves, with backoff.
    this.#handlers.onConnection("offline", `offline, retrying in ${Math.round(this.#retryDelay / 1000)} s`);
    this.#retryTimer = setTimeout(() => this.#open(), this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_MS);
  }
}
