// Playbook runs (#runs): the newest runs, each an article[data-run][data-state][data-playbook] with a timeline of
// its steps (li[data-step][data-state], a bar per step on a shared time axis).

import { getRuns } from "./api.js";
import { byId, h } from "./dom.js";
import { fmtClock, fmtMs } from "./format.js";

const RUNS_SHOWN = 8;
const RUN_TONE = { succeeded: "good", failed: "bad", running: "info" };

const time = (iso) => (iso ? Date.parse(iso) : NaN);
const clamp = (value, lo, hi) => Math.min(Math.max(value, lo), hi);

/** When a step ended: its finish, now while it runs, else its start. */
function stepEnd(step, now) {
  if (step.finished_at) return time(step.finished_at);
  return step.state === "running" ? now : time(step.started_at);
}

/** The run's start and the span its timeline covers (ms, at least 1): to its end or its last step's. */
function extent(run, now) {
  const start = time(run.started_at);
  let end = run.finished_at ? time(run.finished_at) : now;
  for (const step of run.steps ?? []) {
    const e = stepEnd(step, now);
    if (Number.isFinite(e)) end = Math.max(end, e);
    const s = time(step.started_at);
    if (Number.isFinite(s) && Number.isFinite(step.duration_ms)) end = Math.max(end, s + step.duration_ms);
  }
  return { start, total: Math.max(end - start, 1) };
}

function stepLength(step, now) {
  if (Number.isFinite(step.duration_ms)) return step.duration_ms;
  const s = time(step.started_at);
  const e = step.finished_at ? time(step.finished_at) : step.state === "running" ? now : NaN;
  return Number.isFinite(e) && Number.isFinite(s) ? e - s : 0;
}

/** The duration label goes after the bar, or inside a long bar, or before a bar that ends near the right. */
function labelPlacement(left, width) {
  if (width > 40) return { className: "dur inside", style: `left:calc(${left.toFixed(2)}% + 6px)` };
  if (left + width > 75) return { className: "dur", style: `right:calc(${(100 - left).toFixed(2)}% + 6px)` };
  return { className: "dur", style: `left:calc(${(left + width).toFixed(2)}% + 6px)` };
}

function stepItem(step, start, total, now) {
  const s = time(step.started_at);
  const length = stepLength(step, now);
  const left = Number.isFinite(s) ? clamp(((s - start) / total) * 100, 0, 100) : 0;
  const width = clamp((length / total) * 100, 0, 100 - left);
  const offset = Number.isFinite(s) ? `+${fmtMs(s - start)}` : "not started";
  const attempts = step.attempts > 1 ? `, ${step.attempts} attempts` : "";
  const note = step.error ? `: ${step.error}` : step.detail ? `: ${step.detail}` : "";
  const summary = `${step.state}, ${offset}, took ${fmtMs(length)}${attempts}${note}`;
  const label = step.state === "skipped" ? "skipped" : fmtMs(length) + (step.attempts > 1 ? ` ×${step.attempts}` : "");
  const placement = labelPlacement(left, width);
  return h("li", { "data-step": step.index, "data-state": step.state },
    h("span", { class: "label", title: step.detail || step.error || step.name },
      `${step.index + 1}. ${step.name} `,
      step.action ? h("span", { class: "action" }, step.action) : null),
    h("span", { class: "track", title: summary },
      h("span", { class: `bar ${step.state}`, style: `left:${left.toFixed(2)}%;width:${width.toFixed(2)}%` }),
      h("span", { class: placement.className, style: placement.style, "aria-hidden": "true" }, label),
      h("span", { class: "sr" }, summary)));
}

function runMeta(run, total, now) {
  const duration = run.duration_ms ?? (run.finished_at ? total : now - time(run.started_at));
  const args = Object.entries(run.arguments ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
  return [
    run.trigger ? `trigger ${run.trigger}` : "manual",
    `started ${fmtClock(run.started_at)}`,
    run.state === "running" ? `running ${fmtMs(duration)}` : fmtMs(duration),
    args,
  ].filter(Boolean).join(" · ");
}

function axis(total) {
  return h("div", { class: "axis", "aria-hidden": "true" },
    h("span"),
    h("span", null, h("span", null, "0"), h("span", null, fmtMs(total))));
}

/**
 * One run as an article with its header and step timeline.
 * @param {any} run a run as /v1/runs serves it
 * @param {number} [now] the time the running parts extend to (ms since the epoch)
 * @returns {HTMLElement}
 */
function renderRun(run, now = Date.now()) {
  const { start, total } = extent(run, now);
  const steps = run.steps ?? [];
  return h("article", { class: "run", "data-run": run.id, "data-state": run.state, "data-playbook": run.playbook },
    h("header", null,
      h("h3", null, run.playbook),
      h("span", { class: `badge ${RUN_TONE[run.state] ?? ""}` }, run.state),
      h("span", { class: "meta" }, runMeta(run, total, now)),
      h("button", { type: "button", class: "explain", "data-explain": `runs/${run.id}`, title: "Explain this incident" },
        "Explain")),
    steps.length ? axis(total) : null,
    h("ol", { class: "steps" }, ...steps.map((step) => stepItem(step, start, total, now))),
    run.error ? h("p", { class: "error" }, run.error) : null);
}

/** The runs panel (#runs, #runs-empty). */
export class RunList {
  #anyRunning = false;

  /** Whether a run shown was still running: the page then refreshes the runs on its timer too. */
  get anyRunning() {
    return this.#anyRunning;
  }

  /** Fetches the newest runs and redraws them. */
  async refresh() {
    const body = await getRuns(RUNS_SHOWN);
    const runs = body?.runs ?? [];
    this.#anyRunning = runs.some((run) => run.state === "running");
    byId("runs").replaceChildren(...runs.map((run) => renderRun(run)));
    byId("runs-empty").hidden = runs.length > 0;
  }
}
