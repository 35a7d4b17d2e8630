// The header: instance, role, kernel counts, uptime, journal size and version from /v1/status and /v1/role, the
// stream's connection indicator (#conn[data-state]) and the "updated" stamp in the footer.

import { getRole, getStatus } from "./api.js";
import { byId, setData, setText } from "./dom.js";
import { fmtClock, fmtDuration } from "./format.js";

/** The header's facts about this Grace. */
export class StatusBar {
  /** Uptime as last served, and when (performance.now()), so that the clock runs between refreshes. */
  #uptime = null;
  #at = 0;

  /**
   * Fetches /v1/status and shows it.
   * @returns {Promise<any>} the status, whose `journal.last_id` the event feed checks
   */
  async refresh() {
    const status = await getStatus();
    setText(byId("instance"), status.instance || "–");
    setText(byId("version"), status.version || "–");
    if (status.role) this.#showRole(status.role);
    this.#uptime = status.uptime_seconds;
    this.#at = performance.now();
    setText(byId("kernel-counts"), kernelCounts(status.kernels ?? {}));
    setText(byId("journal"), `${(status.journal?.entries ?? 0).toLocaleString()} entries`);
    this.tick();
    return status;
  }

  /** Fetches /v1/role (503 on a standby, still an answer) and shows it in #role[data-role]. */
  async refreshRole() {
    const body = await getRole();
    if (body?.role) this.#showRole(body.role);
  }

  /** Advances the uptime clock. */
  tick() {
    if (this.#uptime === null || this.#uptime === undefined) return;
    setText(byId("uptime"), fmtDuration(this.#uptime + (performance.now() - this.#at) / 1000));
  }

  #showRole(role) {
    const badge = byId("role");
    setText(badge, role);
    setData(badge, "role", role);
  }
}

function kernelCounts(k) {
  const failed = k.failed ? ` · ${k.failed} failed` : "";
  return `${k.running ?? 0}/${k.total ?? 0} running · ${k.healthy ?? 0} healthy${failed}`;
}

/**
 * Shows the event stream's state in #conn[data-state].
 * @param {"live" | "connecting" | "offline"} state
 * @param {string} text
 */
export function showConnection(state, text) {
  setData(byId("conn"), "state", state);
  setText(byId("conn-text"), text);
}

/** Shows in the footer when the page last heard from Grace. */
export function stampUpdated() {
  setText(byId("updated"), `updated ${fmtClock(new Date().toISOString()).slice(0, 8)}`);
}
