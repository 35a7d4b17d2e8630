// Grace dashboard: native ES modules, no build step, no dependencies. Read-only: it only GETs the HTTP API (public
// on loopback), so it needs no token. This module boots the page and wires the panels to the journal:
//
//   api.js         every API path the page reads
//   kinds.js       the journal's kinds and their tones, from the API
//   stream.js      the live journal: SSE, reconnection, catch-up, a fresh journal
//   status.js      the header: status, role, connection indicator
//   kernels.js     the kernels table          sparkline.js   its CPU and memory sparklines
//   events.js      the event list             runs.js        playbook runs and step timelines
//   incident.js    an incident's causal chain as a timeline picture, opened from a run or an event
//   knowledge.js   the knowledge base         agent.js       the coding agent's queue and last commits
//   components.js  Grace's own components: state, heartbeat, restarts
//   fleet.js       the fleet this Grace is an instance of: who is present, who holds the lease (fleet.* events)
//   chaos.js       chaos drills: the latest, with status, time to heal and failed gates (chaos.* events)
//   format.js, dom.js   small helpers
//
// Live updates: the page fetches the journal's vocabulary (/v1/events/kinds) and the SSE stream /v1/events/stream
// drives it (kernel.* events refresh that kernel from /v1/kernels/{name}, run, step, undo and trigger events
// refresh /v1/runs, kb.* events the knowledge base, agent.* events the coding agent's panel, component.* events
// Grace's components, fleet.* events the fleet, chaos.* events the chaos drills); a gentle refresh every 5 s
// reloads /v1/kernels (metrics and sparklines), the components, the status and role (and the runs and the agent's
// queue while something in them is under way), and fetches any journal entries the stream did not deliver (a gap
// while reconnecting, a kind the vocabulary lacked).
//
// Stable hooks for tests: body[data-ready="true"] after the first load; #conn[data-state] live|connecting|offline;
// each kernel row tr[data-kernel=NAME][data-pid][data-restarts][data-state][data-healthy]; each event
// li[data-id][data-kind][data-kernel] in #events; each run article[data-run][data-state][data-playbook] in #runs;
// each signature tr[data-signature] in #kb; each agent task tr[data-task][data-state][data-type] in #agent-rows and
// each of its last commits li[data-commit] in #agent-commits; #agent[data-available]; #role[data-role]; each
// component tr[data-component][data-state] in #component-rows; #chaos[data-scenarios] and each drill
// tr[data-drill][data-scenario][data-status] in #chaos-rows; every button[data-explain] (a run's, an event's)
// opens #incident[data-state][data-outcome] with svg#incident-svg.

import { AgentPanel } from "./agent.js";
import { ChaosPanel } from "./chaos.js";
import { ComponentTable } from "./components.js";
import { FleetTable } from "./fleet.js";
import { EventList } from "./events.js";
import { IncidentDialog } from "./incident.js";
import { KernelTable } from "./kernels.js";
import { Vocabulary } from "./kinds.js";
import { refreshKnowledge } from "./knowledge.js";
import { RunList } from "./runs.js";
import { showConnection, stampUpdated, StatusBar } from "./status.js";
import { JournalFeed } from "./stream.js";

const REFRESH_MS = 5000;
const TICK_MS = 1000;
/** Kinds of these families change what /v1/runs shows. */
const RUN_FAMILIES = ["run.", "step.", "undo.", "trigger."];

/** Logs an error to the console, once until a different one comes. */
function errorReporter() {
  let last = "";
  return (error) => {
    const message = error?.message ?? String(error);
    if (message === last) return;
    last = message;
    console.warn("grace dashboard:", message);
  };
}

/** Runs `task` once, `ms` after the first call for `key`; calls in between add nothing. */
function debouncer() {
  const pending = new Map();
  return (key, ms, task) => {
    if (pending.has(key)) return;
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      task();
    }, ms));
  };
}

async function boot() {
  const report = errorReporter();
  const debounce = debouncer();
  const vocabulary = new Vocabulary();
  const status = new StatusBar();
  const kernels = new KernelTable();
  const runs = new RunList();
  const agent = new AgentPanel();
  const components = new ComponentTable();
  const fleet = new FleetTable();
  const chaos = new ChaosPanel();
  const events = new EventList(vocabulary);
  new IncidentDialog();
  /** Refreshes a panel soon, once for a burst of events. */
  const soon = (key, ms, refresh) => debounce(key, ms, () => refresh().catch(report));

  const feed = new JournalFeed({
    onEvent(event, live) {
      events.show(event, live);
      if (live) react(event);
    },
    onReset: () => events.clear(),
    onConnection: showConnection,
    onReconnect() {
      loadKinds().catch(report);
      refreshAll().catch(report);
    },
    onError: report,
  });

  async function loadKinds() {
    feed.listen(await vocabulary.load());
    events.retone();
  }

  async function refreshStatus() {
    const s = await status.refresh();
    feed.noticeLastId(s.journal?.last_id);
    return s;
  }

  function react(event) {
    const kind = event.kind ?? "";
    if (kind.startsWith("kernel.") && event.kernel) {
      soon(`kernel:${event.kernel}`, 100, () => kernels.refresh(event.kernel));
      soon("status", 500, refreshStatus);
    }
    if (RUN_FAMILIES.some((family) => kind.startsWith(family))) soon("runs", 250, () => runs.refresh());
    if (kind.startsWith("kb.")) soon("kb", 500, refreshKnowledge);
    if (kind.startsWith("agent.")) soon("agent", 300, () => agent.refresh());
    if (kind.startsWith("component.") || kind === "healer.started") {
      soon("components", 200, () => components.refresh());
    }
    if (kind.startsWith("fleet.")) {
      soon("fleet", 100, () => fleet.refresh());
      soon("role", 100, () => status.refreshRole());
    }
    if (kind.startsWith("chaos.")) {
      chaos.notice(event);
      soon("chaos", 200, () => chaos.refresh());
    }
    // A reload may add or remove kernels and chaos scenarios (an unchanged or refused one changes nothing, and
    // costs a fetch or two).
    if (kind.startsWith("config.")) {
      soon("kernels", 200, () => kernels.refreshAll());
      soon("chaos", 200, () => chaos.refresh());
    }
  }

  async function settle(tasks) {
    const failures = (await Promise.allSettled(tasks)).filter((result) => result.status === "rejected");
    for (const failure of failures) report(failure.reason);
    return failures.length === 0;
  }

  async function refreshAll() {
    await settle([refreshStatus(), status.refreshRole(), kernels.refreshAll(), runs.refresh(), refreshKnowledge(),
      agent.refresh(), components.refresh(), fleet.refresh(), chaos.refresh()]);
    stampUpdated();
  }

  async function periodic() {
    const tasks = [kernels.refreshAll(), refreshStatus(), status.refreshRole(), feed.catchUp(), components.refresh(),
      fleet.refresh()];
    if (!vocabulary.isLoaded) tasks.push(loadKinds());
    if (runs.anyRunning) tasks.push(runs.refresh());
    if (agent.busy) tasks.push(agent.refresh());
    if (await settle(tasks)) stampUpdated();
    else if (!feed.isOpen) showConnection("offline", "offline");
  }

  // The kinds before the stream opens, so that it listens for every one from the start.
  const kindsLoaded = loadKinds().catch(report);
  const first = await refreshStatus().catch((error) => report(error));
  await kindsLoaded;
  await feed.start(first?.journal?.last_id ?? 0);
  await refreshAll();
  document.body.dataset.ready = "true";
  setInterval(() => periodic().catch(report), REFRESH_MS);
  setInterval(() => {
    status.tick();
    kernels.tick();
  }, TICK_MS);
}

// A module script runs once the document is parsed.
boot().catch((error) => console.error("grace dashboard:", error));
