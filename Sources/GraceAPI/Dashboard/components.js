// Grace's own components (#components): one tr[data-component][data-state][data-restarts] each in #component-rows, with its
// state (and whether it is silent), the age of its last heartbeat, its interval and its restarts by Grace's root,
// a playbook's restart_component or an operator; the summary (#components-summary) counts the silent and restarted.

import { getComponents } from "./api.js";
import { byId, h, setText } from "./dom.js";
import { fmtAgo } from "./format.js";

const STATE_TONE = { running: "good", idle: "", starting: "info", stopping: "warn", stopped: "", failed: "bad" };

function row(c) {
  const state = c.silent ? "silent" : c.state;
  const tone = c.silent ? "bad" : (STATE_TONE[c.state] ?? "");
  return h("tr", { "data-component": c.name, "data-state": state, "data-restarts": c.restarts ?? 0 },
    h("td", null, h("code", null, c.name)),
    h("td", null, h("span", { class: `badge ${tone}` }, state)),
    h("td", { class: "num" }, c.heartbeat_age_seconds == null ? "never" : `${c.heartbeat_age_seconds.toFixed(1)} s ago`),
    h("td", { class: "num" }, `${c.heartbeat_interval_seconds} s`),
    h("td", { class: "num" }, String(c.restarts ?? 0)),
    h("td", { title: c.last_restart || "" }, c.last_restart ? fmtAgo(c.last_restart) : "–"),
    h("td", { class: "template" }, c.detail || ""));
}

/** The components panel. */
export class ComponentTable {
  /** Fetches /v1/components and redraws the panel. */
  async refresh() {
    const body = await getComponents();
    const components = body?.components ?? [];
    byId("component-rows").replaceChildren(...components.map(row));
    const silent = components.filter((c) => c.silent).length;
    const restarts = components.reduce((n, c) => n + (c.restarts ?? 0), 0);
    setText(byId("components-summary"), `${silent} silent · ${restarts} restarts`);
  }
}
