// The event list (#events): one li[data-id][data-kind][data-kernel] per journal entry, newest first, coloured by
// the tone the API gives its kind, bounded to the newest entries, and filtered by kind or kernel (#event-filter).

import { byId, h } from "./dom.js";
import { fmtClock } from "./format.js";

const MAX_EVENTS = 200;

/** Entries that can belong to an incident: about a kernel, or of a trigger, run or step. */
const explainable = (event) =>
  Boolean(event.kernel) || ["trigger.", "run.", "step.", "undo.", "kb."].some((f) => event.kind.startsWith(f));

/** The event list. */
export class EventList {
  #list = byId("events");
  #vocabulary;
  #filter = "";

  /** @param {import("./kinds.js").Vocabulary} vocabulary the tones of the kinds */
  constructor(vocabulary) {
    this.#vocabulary = vocabulary;
    byId("event-filter").addEventListener("input", (e) => {
      this.#filter = e.target.value.trim().toLowerCase();
      for (const item of this.#list.children) item.hidden = !this.#matches(item);
    });
  }

  /**
   * Shows an entry in id order. Older than every entry shown in a full list, it is left out.
   * @param {{id: number, time: string, kind: string, kernel?: string | null, fields?: Record<string, string>}}
   *   event an entry of the journal, as /v1/events and the stream serve it
   * @param {boolean} fresh whether it just happened (highlighted) rather than loaded at start
   */
  show(event, fresh) {
    const list = this.#list;
    if (list.children.length >= MAX_EVENTS && event.id < Number(list.lastElementChild.dataset.id)) return;
    const item = this.#item(event, fresh);
    item.hidden = !this.#matches(item);
    let before = list.firstElementChild;
    while (before && Number(before.dataset.id) > event.id) before = before.nextElementSibling;
    list.insertBefore(item, before);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
  }

  /** Colours the entries shown again, by the vocabulary's tones (after it was loaded or changed). */
  retone() {
    for (const item of this.#list.children) {
      const tone = this.#vocabulary.tone(item.dataset.kind);
      if (item.classList.contains(tone)) continue;
      item.className = [tone, item.classList.contains("new") ? "new" : ""].filter(Boolean).join(" ");
    }
  }

  /** Removes every entry shown (the journal is another one). */
  clear() {
    this.#list.replaceChildren();
  }

  #item(event, fresh) {
    const fields = Object.entries(event.fields ?? {})
      .filter(([key]) => key !== "kernel")
      .map(([key, value]) => `${key}=${value}`)
      .join(" ");
    const classes = [this.#vocabulary.tone(event.kind), fresh ? "new" : ""].filter(Boolean).join(" ");
    return h("li", { class: classes, "data-id": event.id, "data-kind": event.kind, "data-kernel": event.kernel ?? "" },
      h("time", { class: "time", datetime: event.time, title: event.time }, fmtClock(event.time)),
      h("span", { class: "kind" }, event.kind),
      h("span", { class: "detail" },
        event.kernel ? h("span", { class: "kernel" }, event.kernel) : null,
        fields ? h("span", { class: "fields" }, fields) : null),
      explainable(event)
        ? h("button", { type: "button", class: "explain", "data-explain": `events/${event.id}`, title: "Explain" }, "why?")
        : null);
  }

  #matches(item) {
    const filter = this.#filter;
    return !filter || item.dataset.kind.includes(filter) || item.dataset.kernel.toLowerCase().includes(filter);
  }
}
