// The kernels table: one row per kernel, tr[data-kernel][data-pid][data-restarts][data-state][data-healthy]
// (and data-tier), in the order /v1/kernels lists them. A row flashes when its pid or restart count changes.

import { getKernel, getKernels } from "./api.js";
import { byId, h, setData, setText, setTone } from "./dom.js";
import { fmtBytes, fmtDuration, fmtPercent } from "./format.js";
import { drawSpark, sparkBox } from "./sparkline.js";

function stateTone(state) {
  switch (state) {
    case "running": return "good";
    case "failed": case "gave_up": case "spawn_failed": return "bad";
    case "backoff": case "restarting": case "paused": case "unhealthy": return "warn";
    case "starting": case "stopping": return "info";
    default: return "";
  }
}

function healthBadge(healthy) {
  if (healthy === true) return { text: "healthy", tone: "good" };
  if (healthy === false) return { text: "unhealthy", tone: "bad" };
  return { text: "–", tone: "" };
}

/** One kernel's row: its cells, the last data shown and when it arrived (performance.now()). */
class KernelRow {
  data = null;
  at = 0;

  constructor(name) {
    this.cells = {
      name: h("th", { scope: "row", class: "name" }, name),
      state: h("td", null, h("span", { class: "badge" })),
      pid: h("td", { class: "num mono pid" }),
      uptime: h("td", { class: "num uptime" }),
      restarts: h("td", { class: "num restarts" }),
      health: h("td", null, h("span", { class: "badge" })),
      cpu: h("td", null, sparkBox("cpu")),
      mem: h("td", null, sparkBox("mem")),
    };
    this.element = h("tr", { "data-kernel": name }, ...Object.values(this.cells));
  }

  render(k) {
    const previous = this.data;
    this.data = k;
    this.at = performance.now();
    if (previous && (previous.pid !== k.pid || previous.restarts !== k.restarts)) this.#flash();

    const row = this.element;
    setData(row, "pid", k.pid ?? "");
    setData(row, "restarts", k.restarts ?? 0);
    setData(row, "state", k.state);
    setData(row, "healthy", k.healthy === null || k.healthy === undefined ? "" : String(k.healthy));
    setData(row, "tier", k.tier || "");

    const { cells } = this;
    const state = cells.state.firstChild;
    setText(state, k.paused && k.state !== "paused" ? `${k.state} (paused)` : k.state);
    setTone(state, "badge", stateTone(k.paused ? "paused" : k.state));
    setText(cells.pid, k.pid ?? "–");
    setText(cells.restarts, k.restarts ?? 0);
    const health = healthBadge(k.healthy);
    setText(cells.health.firstChild, health.text);
    setTone(cells.health.firstChild, "badge", health.tone);

    const history = k.history ?? {};
    drawSpark(cells.cpu.firstChild, history.cpu_percent ?? [], k.metrics?.cpu_percent, fmtPercent,
      { what: "CPU", fromZero: true });
    drawSpark(cells.mem.firstChild, history.rss_bytes ?? [], k.metrics?.rss_bytes, fmtBytes, { what: "Memory" });
    this.tick();
  }

  /** Advances the uptime from the last data. */
  tick() {
    const k = this.data;
    if (!k) return;
    const running = k.uptime_seconds !== null && k.uptime_seconds !== undefined && k.pid !== null;
    setText(this.cells.uptime, running ? fmtDuration(k.uptime_seconds + (performance.now() - this.at) / 1000) : "–");
  }

  #flash() {
    this.element.classList.remove("flash");
    void this.element.offsetWidth; // restarts the animation
    this.element.classList.add("flash");
  }
}

/** The kernels panel (#kernel-rows, #kernels-empty). */
export class KernelTable {
  /** @type {Map<string, KernelRow>} */
  #rows = new Map();
  #body = byId("kernel-rows");
  #empty = byId("kernels-empty");

  /** Fetches every kernel; adds, updates and removes rows to match. */
  async refreshAll() {
    const body = await getKernels();
    const list = body?.kernels ?? [];
    const names = new Set(list.map((k) => k.name));
    for (const name of this.#rows.keys()) if (!names.has(name)) this.#remove(name);
    for (const k of list) this.#body.append(this.#render(k).element); // appending again keeps the API's order
    this.#empty.hidden = list.length > 0;
  }

  /**
   * Fetches one kernel and updates its row; removes the row when the kernel is gone (404).
   * @param {string} name
   */
  async refresh(name) {
    let k;
    try {
      k = await getKernel(name);
    } catch (error) {
      if (error?.status !== 404) throw error;
      this.#remove(name);
      return;
    }
    this.#render(k);
    this.#empty.hidden = true;
  }

  /** Advances every row's uptime. */
  tick() {
    for (const row of this.#rows.values()) row.tick();
  }

  #render(k) {
    let row = this.#rows.get(k.name);
    if (!row) {
      row = new KernelRow(k.name);
      this.#rows.set(k.name, row);
      this.#body.append(row.element);
    }
    row.render(k);
    return row;
  }

  #remove(name) {
    this.#rows.get(name)?.element.remove();
    this.#rows.delete(name);
  }
}
