// The fleet (#fleet), shown only when this Grace is a fleet instance: one tr[data-instance][data-now] per instance of
// the fleet document in #fleet-rows, with its declared role, priority, whether it is present and whether it holds the
// lease; the summary (#fleet-summary) says what this instance is, who holds the lease and its fencing token.

import { getFleet } from "./api.js";
import { byId, h, setData, setText } from "./dom.js";
import { fmtAgo } from "./format.js";

function row(m, self) {
  const now = m.holder ? "primary" : (m.present ? "standby" : "absent");
  const tone = m.holder ? "good" : (m.present ? "info" : "");
  return h("tr", { "data-instance": m.instance, "data-now": now },
    h("td", null, h("code", null, m.instance), m.instance === self ? " (this one)" : ""),
    h("td", null, m.declared),
    h("td", { class: "num" }, String(m.priority)),
    h("td", null, h("code", null, m.api)),
    h("td", null, h("span", { class: `badge ${tone}` }, now)));
}

/** The fleet panel. */
export class FleetTable {
  /** Fetches /v1/fleet and redraws the panel (hidden outside a fleet). */
  async refresh() {
    const fleet = await getFleet();
    const panel = byId("fleet");
    panel.hidden = !fleet;
    if (!fleet) return;
    setData(panel, "state", fleet.state);
    setData(panel, "holder", fleet.holder ?? "");
    byId("fleet-rows").replaceChildren(...fleet.members.map((m) => row(m, fleet.instance)));
    const held = fleet.held_kernels.length ? ` · held: ${fleet.held_kernels.join(", ")}` : "";
    const quarantine = fleet.quarantined_until ? ` · quarantined until ${fleet.quarantined_until}` : "";
    setText(byId("fleet-summary"),
      `${fleet.fleet}: ${fleet.instance} is ${fleet.state} since ${fmtAgo(fleet.since)} · primary ` +
      `${fleet.holder ?? "none"}${fleet.token != null ? ` (token ${fleet.token})` : ""} · ${fleet.backend} lease` +
      `${held}${quarantine}`);
  }
}
