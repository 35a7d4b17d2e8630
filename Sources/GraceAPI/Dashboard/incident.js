// The incident timeline (#incident, a dialog): one incident from /v1/explain/... drawn as an SVG picture on a time
// axis from the first observation (time 0), one lane per link of the chain: what was observed, what was decided
// (and earlier decisions that ran nothing), each step as a bar with its duration, the verification and what was
// learned. Opened by any button[data-explain] on the page (a run in #runs, an event in #events): its value is the
// path after /v1/explain/, e.g. `runs/heal-3` or `events/1842`.
//
// Hooks for tests: #incident[data-state] loading|shown|missing|error, #incident[data-outcome], the SVG
// svg#incident-svg with g.lane[data-lane=observed|decided|ran|verified|learned] and rect.step[data-step][data-state].

import { getExplain } from "./api.js";
import { byId, h } from "./dom.js";
import { fmtMs } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 960;
const LEFT = 170;
const RIGHT = 70;
const ROW = 24;
const TONE = {
  healed: "good", succeeded: "good", relapsed: "warn", failed: "bad", superseded: "warn", running: "info",
  suppressed: "warn", unknown: "",
};

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A native tooltip for an SVG element. */
const tip = (text) => svg("title", null, text);

const offsetLabel = (ms) => (ms < 0 ? "−" : "+") + fmtMs(Math.abs(ms));

/** The time range the picture spans: every point of the chain, with 0 (the first observation) in it. */
function span(incident) {
  const points = [0, incident.duration_ms ?? 0];
  for (const m of [...incident.observations, ...incident.learned, ...(incident.verification?.after ?? [])]) {
    points.push(m.offset_ms);
  }
  for (const d of [incident.decision, ...incident.earlier_decisions]) if (d) points.push(d.offset_ms);
  for (const sample of incident.samples ?? []) points.push(sample.offset_ms);
  for (const run of incident.runs) {
    points.push(run.offset_ms, run.offset_ms + (run.duration_ms ?? 0));
  }
  if (incident.verification?.offset_ms != null) {
    points.push(incident.verification.offset_ms + (incident.verification.watched_ms ?? 0));
  }
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

/** Markers on one lane: a circle per moment, with its kind as a tooltip. */
function marks(moments, x, y, tone) {
  return moments.map((m) =>
    svg("circle", { class: `mark ${tone}`, cx: x(m.offset_ms).toFixed(1), cy: y, r: 5, "data-id": m.id },
      tip(`${offsetLabel(m.offset_ms)} ${m.kind}${m.kernel ? " " + m.kernel : ""}: ${m.summary}`)));
}

function laneLabel(text, y) {
  return svg("text", { class: "lane-label", x: 8, y: y + 4 }, text);
}

/** A short caption next to the first marker of a lane. */
function caption(text, x, y, side) {
  const anchor = side ?? (x > WIDTH - RIGHT - 160 ? "end" : "start");
  return svg("text", { class: "caption", x: (anchor === "end" ? x - 9 : x + 9).toFixed(1), y: y + 4, "text-anchor": anchor },
    text.length > 60 ? text.slice(0, 59) + "…" : text);
}

/**
 * The incident as an SVG picture.
 * @param {any} incident an incident as /v1/explain/... serves it
 * @returns {SVGSVGElement}
 */
export function renderTimeline(incident) {
  const { lo, hi } = span(incident);
  const plot = WIDTH - LEFT - RIGHT;
  const x = (ms) => LEFT + ((ms - lo) / (hi - lo)) * plot;
  const lanes = [];
  let y = 40;
  const next = (rows = 1) => {
    const at = y;
    y += ROW * rows;
    return at;
  };

  // Axis: time 0 is the first observation.
  const ticks = [];
  for (let i = 0; i <= 4; i++) {
    const ms = lo + ((hi - lo) * i) / 4;
    ticks.push(svg("line", { class: "tick", x1: x(ms), x2: x(ms), y1: 22, y2: 28 }));
    ticks.push(svg("text", { class: "tick-label", x: x(ms), y: 16, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" },
      offsetLabel(ms)));
  }
  const axis = svg("g", { class: "axis" }, svg("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: 28, y2: 28 }), ...ticks);

  // Observed.
  const observed = next();
  const first = incident.observations[0];
  lanes.push(svg("g", { class: "lane", "data-lane": "observed" }, laneLabel("observed", observed),
    ...marks(incident.observations, x, observed, "bad"),
    first ? caption(`${first.kind}: ${first.summary}`, x(first.offset_ms), observed)
      : caption("nothing journaled before the decision", LEFT, observed)));

  // The metric the condition watched, from Grace's history (docs/replay.md): a line over two rows.
  const samples = incident.samples ?? [];
  if (samples.length > 1) {
    const top = next(2) - 8;
    const values = samples.map((s) => s.value);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const v = (value) => top + 2 * ROW - 8 - ((value - min) / (max > min ? max - min : 1)) * (2 * ROW - 16);
    const points = samples.map((s) => `${x(s.offset_ms).toFixed(1)},${v(s.value).toFixed(1)}`).join(" ");
    lanes.push(svg("g", { class: "lane", "data-lane": "samples" }, laneLabel(samples[0].metric, top + ROW - 4),
      svg("polyline", { class: "samples", points, fill: "none" },
        tip(`${samples.length} samples of ${samples[0].metric}, ${min} .. ${max}`))));
  }

  // Decided (and earlier decisions that ran nothing).
  const decided = next();
  const decision = incident.decision;
  const diamond = (d, filled) => {
    const cx = x(d.offset_ms);
    return svg("path", {
      class: `decision ${d.verdict}${filled ? "" : " earlier"}`,
      d: `M${cx.toFixed(1)},${decided - 7} l7,7 l-7,7 l-7,-7 z`, "data-verdict": d.verdict,
    }, tip(`${offsetLabel(d.offset_ms)} ${d.why}`));
  };
  const decisionText = decision
    ? decision.verdict === "manual" ? "started by hand"
      : `${decision.verdict} ${decision.trigger ?? ""}${decision.reason ? ` (${decision.reason})` : ""}` +
        (decision.playbook ? ` → ${decision.playbook}` : "")
    : "";
  lanes.push(svg("g", { class: "lane", "data-lane": "decided" }, laneLabel("decided", decided),
    ...incident.earlier_decisions.map((d) => diamond(d, false)),
    decision ? diamond(decision, true) : null,
    decision ? caption(decisionText, x(decision.offset_ms), decided) : null));

  // Ran: a row per run, then a bar per step (and undo).
  const ran = [];
  ran.push(laneLabel("ran", y));
  for (const run of incident.runs) {
    const row = next();
    const end = run.offset_ms + (run.duration_ms ?? 0);
    ran.push(svg("line", { class: `run-span ${run.state}`, x1: x(run.offset_ms), x2: Math.max(x(end), x(run.offset_ms) + 2), y1: row, y2: row },
      tip(`run ${run.id} (${run.playbook}) ${run.state}${run.duration_ms != null ? " in " + fmtMs(run.duration_ms) : ""}`)));
    ran.push(caption(`run ${run.id} · ${run.playbook} · ${run.state}`, x(run.offset_ms), row - 10));
    for (const step of run.steps) {
      const at = next();
      const start = step.offset_ms ?? run.offset_ms;
      const width = Math.max(x(start + (step.duration_ms ?? 0)) - x(start), 3);
      const label = step.state === "skipped" ? "skipped"
        : fmtMs(step.duration_ms ?? 0) + (step.attempts > 1 ? ` ×${step.attempts}` : "");
      ran.push(svg("text", { class: "step-label", x: LEFT - 8, y: at + 4, "text-anchor": "end" }, step.name));
      ran.push(svg("rect", {
        class: `step ${step.state}`, x: x(start).toFixed(1), y: at - 7, width: width.toFixed(1), height: 14, rx: 3,
        "data-step": step.index, "data-state": step.state,
      }, tip(`${step.name} (${step.action ?? "-"}) ${step.state}, ${offsetLabel(start)}, took ${fmtMs(step.duration_ms ?? 0)}` +
        (step.attempts > 1 ? `, ${step.attempts} attempts` : "") + (step.error ? `: ${step.error}` : ""))));
      ran.push(svg("text", { class: "dur", x: (x(start) + width + 5).toFixed(1), y: at + 4 }, label));
    }
    for (const undo of run.undos) {
      const at = next();
      const width = Math.max(x(undo.offset_ms + (undo.duration_ms ?? 0)) - x(undo.offset_ms), 3);
      ran.push(svg("text", { class: "step-label", x: LEFT - 8, y: at + 4, "text-anchor": "end" }, `undo ${undo.name}`));
      ran.push(svg("rect", { class: `undo ${undo.error ? "failed" : "succeeded"}`, x: x(undo.offset_ms).toFixed(1), y: at - 7,
        width: width.toFixed(1), height: 14, rx: 3 }, tip(`undo ${undo.name} (${undo.action})${undo.error ? ": " + undo.error : ""}`)));
    }
    if (run.escalated_to) ran.push(caption(`escalated to ${run.escalated_to}`, x(end), next()));
  }
  if (!incident.runs.length) ran.push(caption("nothing ran", LEFT, next()));
  lanes.push(svg("g", { class: "lane", "data-lane": "ran" }, ...ran));

  // Verified: the end of the runs, then how long the kernel was watched.
  const verified = next();
  const v = incident.verification;
  const vParts = [laneLabel("verified", verified)];
  if (v && v.offset_ms != null) {
    const tone = v.kernel_state === "healthy" ? "good" : v.kernel_state === "trouble" ? "bad" : "info";
    if (v.watched_ms) {
      vParts.push(svg("line", { class: `watched ${tone}`, x1: x(v.offset_ms), x2: x(v.offset_ms + v.watched_ms), y1: verified, y2: verified },
        tip(`watched ${fmtMs(v.watched_ms)} after the runs`)));
    }
    vParts.push(svg("circle", { class: `mark ${tone}`, cx: x(v.offset_ms).toFixed(1), cy: verified, r: 6 }, tip(v.summary)));
    vParts.push(...marks(v.after, x, verified, "bad"));
    // Left of the marker: the watched span runs to its right.
    const side = x(v.offset_ms) - LEFT > 200 ? "end" : "start";
    const at = side === "end" ? x(v.offset_ms) : x(v.offset_ms + (v.watched_ms ?? 0));
    vParts.push(caption(`${v.outcome}, kernel ${v.kernel_state}`, at, verified, side));
  } else {
    vParts.push(caption(v ? v.summary : "nothing to verify", LEFT, verified));
  }
  lanes.push(svg("g", { class: "lane", "data-lane": "verified" }, ...vParts));

  // Learned.
  const learned = next();
  lanes.push(svg("g", { class: "lane", "data-lane": "learned" }, laneLabel("learned", learned),
    ...marks(incident.learned, x, learned, "heal"),
    incident.learned.length ? caption(incident.learned[0].summary, x(incident.learned[0].offset_ms), learned)
      : caption("nothing recorded", LEFT, learned)));

  // Time 0: the first observation.
  const zero = svg("line", { class: "zero", x1: x(0), x2: x(0), y1: 28, y2: y - ROW / 2 });
  return svg("svg", {
    id: "incident-svg", class: "incident-svg", viewBox: `0 0 ${WIDTH} ${y}`, role: "img",
    "aria-label": `Incident timeline: ${incident.summary}`,
  }, axis, zero, ...lanes);
}

/** The evidence of the decision as a definition list: what the condition saw. */
function evidence(decision) {
  if (!decision?.evidence?.length) return null;
  return h("dl", { class: "evidence" },
    ...decision.evidence.filter((e) => e.text !== "").flatMap((e) => [h("dt", null, e.label), h("dd", null, e.text)]));
}

/** The dialog that shows one incident. */
export class IncidentDialog {
  #dialog = byId("incident");

  constructor() {
    document.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest("[data-explain]") : null;
      if (!button) return;
      event.preventDefault();
      this.open(button.getAttribute("data-explain")).catch((error) => console.warn("grace dashboard:", error));
    });
    byId("incident-close").addEventListener("click", () => this.#dialog.close());
  }

  /**
   * Fetches and shows an incident.
   * @param {string} path after /v1/explain/, e.g. `runs/heal-3`
   */
  async open(path) {
    const dialog = this.#dialog;
    dialog.dataset.state = "loading";
    dialog.dataset.outcome = "";
    byId("incident-title").textContent = "Incident";
    byId("incident-body").replaceChildren(h("p", { class: "empty" }, "Loading…"));
    if (!dialog.open) dialog.showModal();
    let incident;
    try {
      incident = await getExplain(path);
    } catch (error) {
      dialog.dataset.state = error?.status === 404 ? "missing" : "error";
      byId("incident-body").replaceChildren(
        h("p", { class: "empty" }, error?.status === 404 ? "This is part of no incident the journal knows." : String(error?.message ?? error)));
      return;
    }
    dialog.dataset.outcome = incident.outcome;
    byId("incident-title").textContent = `Incident: ${incident.subject}`;
    byId("incident-body").replaceChildren(
      h("p", { class: "incident-head" },
        h("span", { class: `badge ${TONE[incident.outcome] ?? ""}` }, incident.outcome),
        incident.kernel ? h("span", { class: "kernel" }, incident.kernel) : null,
        h("span", { class: "meta" }, `time 0 = ${incident.origin}`)),
      h("p", { class: "summary" }, incident.summary),
      renderTimeline(incident),
      incident.decision ? h("p", { class: "why" }, incident.decision.why) : null,
      evidence(incident.decision));
    dialog.dataset.state = "shown";
  }
}
