// The coding agent (#agent): its queue, newest first (one tr[data-task][data-state] each in #agent-rows), its last
// commits (li[data-commit] in #agent-commits) and a summary (#agent-summary: paused, learned patterns, open
// tasks). Answered 503 when Grace could not open the queue: the panel then says so (#agent[data-available]).

import { getAgent, getAgentTasks } from "./api.js";
import { byId, h, setData, setText } from "./dom.js";
import { fmtAgo } from "./format.js";

const TASKS_FETCHED = 50;
const TASKS_SHOWN = 10;
const COMMITS_SHOWN = 5;
const SHORT_COMMIT = 8;

/** A task state's tone, as the other panels colour theirs. */
const STATE_TONE = {
  queued: "",
  planning: "info",
  verifying: "info",
  committed: "heal",
  watching: "heal",
  done: "good",
  reverted: "warn",
  failed: "bad",
  needs_review: "warn",
};

/** States in which the agent is still busy with a task: the page then refreshes the panel on its timer too. */
const BUSY = new Set(["queued", "planning", "verifying", "committed", "watching"]);

const short = (commit) => (commit ? commit.slice(0, SHORT_COMMIT) : "");

function commitCell(task) {
  if (!task.commit) return task.branch ? h("span", { class: "hint" }, `branch ${task.branch}`) : "–";
  return h("code", { title: task.commit }, short(task.commit));
}

function taskRow(task) {
  const detail = task.summary && task.summary !== task.detail ? `${task.summary}: ${task.detail}` : task.detail;
  return h("tr", { "data-task": task.id, "data-state": task.state, "data-type": task.type },
    h("td", { class: "num" }, `#${task.id}`),
    h("td", null, h("code", null, task.type)),
    h("td", null, h("span", { class: `badge ${STATE_TONE[task.state] ?? ""}` }, task.state.replace("_", " "))),
    h("td", null, task.kernel || "–"),
    h("td", { class: "template", title: task.goal || "" }, detail || "–"),
    h("td", null, commitCell(task)),
    h("td", { title: task.updated }, fmtAgo(task.updated)));
}

function commitItem(task) {
  return h("li", { "data-commit": task.commit, "data-task": task.id, "data-state": task.state },
    h("code", { title: task.commit }, short(task.commit)), " ",
    h("span", { class: `badge ${STATE_TONE[task.state] ?? ""}` }, task.state.replace("_", " ")), " ",
    h("span", null, task.summary || task.detail || task.type),
    h("span", { class: "hint" }, ` #${task.id}${task.kernel ? ` · ${task.kernel}` : ""} · ${fmtAgo(task.updated)}`));
}

function summary(agent) {
  const parts = [`${agent.tasks_open} open`, `${agent.patterns} learned patterns`];
  if (agent.paused) parts.unshift("paused");
  return parts.join(" · ");
}

/** The coding agent's panel. */
export class AgentPanel {
  #busy = false;

  /** Whether a task shown is still being worked on: the page then refreshes the panel on its timer too. */
  get busy() {
    return this.#busy;
  }

  /** Fetches the agent's summary and queue and redraws the panel. */
  async refresh() {
    const [agent, body] = await Promise.all([getAgent(), getAgentTasks(TASKS_FETCHED)]);
    const available = !agent?.error && !body?.error;
    setData(byId("agent"), "available", available);
    if (!available) {
      this.#busy = false;
      setText(byId("agent-summary"), "");
      byId("agent-rows").replaceChildren();
      byId("agent-commits").replaceChildren();
      setText(byId("agent-empty"), "The coding agent's task queue is not available.");
      byId("agent-empty").hidden = false;
      byId("agent-commits-empty").hidden = true;
      return;
    }
    const tasks = body?.tasks ?? [];
    this.#busy = tasks.some((task) => BUSY.has(task.state));
    setText(byId("agent-summary"), summary(agent));
    byId("agent-rows").replaceChildren(...tasks.slice(0, TASKS_SHOWN).map(taskRow));
    setText(byId("agent-empty"), "No tasks yet.");
    byId("agent-empty").hidden = tasks.length > 0;
    const commits = tasks
      .filter((task) => task.commit)
      .sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated) || b.id - a.id)
      .slice(0, COMMITS_SHOWN);
    byId("agent-commits").replaceChildren(...commits.map(commitItem));
    byId("agent-commits-empty").hidden = commits.length > 0;
  }
}
