// Chaos drills (#chaos), shown only when the running graph has chaos scenarios: the latest finished drills from
// /v1/chaos, newest first, one tr[data-drill][data-scenario][data-status][data-deviated] each in #chaos-rows, with
// its status, time to heal, failed gate checks and whether the steady state deviated; above them, drills under way
// (a chaos.started or chaos.injected entry came and no chaos.finished yet), whose data-status is their phase. The
// summary (#chaos-summary) counts the scenarios and gates; #chaos[data-scenarios] holds the count for tests.

import { getChaos } from "./api.js";
import { byId, h, setData, setText } from "./dom.js";
import { fmtAgo } from "./format.js";

/** A status's tone, as the other panels colour theirs. */
const STATUS_TONE = { completed: "good", failed: "bad", aborted: "warn", interrupted: "warn", started: "heal",
  injected: "warn" };
/** Drills under way that are shown at most (the oldest are forgotten beyond). */
const RUNNING_LIMIT = 20;

/** Seconds, one decimal, from milliseconds; "–" when the drill did not heal. */
function healed(ms) {
  return ms == null ? "–" : `${(ms / 1000).toFixed(1)} s`;
}

function row(d) {
  const failed = d.failed_gates ?? [];
  return h("tr", { "data-drill": d.drill, "data-scenario": d.scenario, "data-status": d.status,
    "data-deviated": String(d.deviated === true) },
  h("td", { title: d.drill }, h("code", null, d.scenario)),
  h("td", { title: d.detail || "" }, h("span", { class: `badge ${STATUS_TONE[d.status] ?? ""}` }, d.status)),
  h("td", { class: "num" }, healed(d.healed_ms)),
  h("td", { class: "template" }, failed.length ? failed.join("; ") : "none"),
  h("td", null, d.deviated == null ? "" : (d.deviated ? h("span", { class: "badge bad" }, "deviated") : "held")),
  h("td", { title: d.time || "" }, d.time ? fmtAgo(d.time) : "–"));
}

/** The chaos drills panel. */
export class ChaosPanel {
  /** @type {Map<string, {drill: string, scenario: string, status: string, time: string}>} drill id -> phase */
  #running = new Map();
  /** @type {any[]} the finished drills last fetched */
  #finished = [];

  /**
   * Notes a chaos.* entry of the stream: a drill under way, or one that ended (the caller refreshes the panel).
   * @param {any} event
   */
  notice(event) {
    const drill = event.fields?.drill;
    if (!drill) return;
    if (event.kind === "chaos.finished") {
      this.#running.delete(drill);
      return;
    }
    const phase = event.kind === "chaos.injected" ? "injected" : "started";
    this.#running.delete(drill);
    this.#running.set(drill, { drill, scenario: event.fields?.scenario ?? "", status: phase, time: event.time });
    while (this.#running.size > RUNNING_LIMIT) this.#running.delete(this.#running.keys().next().value);
  }

  /** Fetches /v1/chaos and redraws the panel (hidden when the graph has no chaos scenarios). */
  async refresh() {
    const chaos = await getChaos();
    const panel = byId("chaos");
    const scenarios = chaos?.scenarios?.length ?? 0;
    panel.hidden = scenarios === 0;
    setData(panel, "scenarios", scenarios);
    this.#finished = chaos?.drills ?? [];
    for (const d of this.#finished) this.#running.delete(d.drill);
    this.#draw(chaos?.gates?.length ?? 0);
  }

  #draw(gates) {
    const running = [...this.#running.values()].reverse();
    const drills = [...running, ...this.#finished];
    byId("chaos-rows").replaceChildren(...drills.map(row));
    byId("chaos-empty").hidden = drills.length > 0;
    const panel = byId("chaos");
    const scenarios = Number(panel.dataset.scenarios || 0);
    const last = this.#finished[0];
    setText(byId("chaos-summary"),
      `${scenarios} scenario${scenarios === 1 ? "" : "s"} · ${gates} gate${gates === 1 ? "" : "s"}` +
      (running.length ? ` · ${running.length} under way` : "") +
      (last ? ` · last: ${last.scenario} ${last.status}` : ""));
  }
}
