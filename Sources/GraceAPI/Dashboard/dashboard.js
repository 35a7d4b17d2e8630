// Grace dashboard: plain JavaScript, no build step, no dependencies. Read-only: it only GETs the HTTP API
// (public on loopback), so it needs no token.
//
// Live updates: the SSE stream /v1/events/stream drives the page (kernel.* events refresh that kernel from
// /v1/kernels/{name}, run/step events refresh /v1/runs, kb.* events the knowledge base), and a gentle refresh
// every 5 s reloads /v1/kernels (metrics and sparklines), the status and role, and fetches any journal entries the
// stream did not deliver (kinds this page does not listen for by name, or a gap while reconnecting).
//
// Stable hooks for tests: body[data-ready="true"] after the first load; #conn[data-state] live|connecting|offline;
// each kernel row tr[data-kernel=NAME][data-pid][data-restarts][data-state][data-healthy]; each event
// li[data-id][data-kind][data-kernel] in #events; each run article[data-run][data-state][data-playbook] in #runs;
// each signature tr[data-signature] in #kb; #role[data-role].
"use strict";

(() => {
  const MAX_EVENTS = 200;
  const REFRESH_MS = 5000;
  const RUNS_SHOWN = 8;
  const SVG = "http://www.w3.org/2000/svg";

  // Event kinds the stream names (`event: KIND`): EventSource delivers named events only to listeners of that
  // name. Kinds not listed here still arrive, through the periodic catch-up from /v1/events.
  const KINDS = [
    "grace.started", "grace.stopping", "grace.stopped", "healer.started",
    "kernel.started", "kernel.ready", "kernel.exited", "kernel.restarting", "kernel.gave_up", "kernel.spawn_failed",
    "kernel.stopping", "kernel.stopping_notified", "kernel.kill", "kernel.stopped", "kernel.status",
    "kernel.healthy", "kernel.unhealthy", "kernel.watchdog_timeout", "kernel.paused", "kernel.resumed",
    "kernel.signalled", "kernel.leftover_found", "kernel.leftover_stopped", "kernel.dependency_not_ready",
    "trigger.fired", "trigger.suppressed",
    "run.started", "run.succeeded", "run.failed", "run.escalated", "run.interrupted", "run.abandoned",
    "step.started", "step.succeeded", "step.failed", "step.skipped", "undo.started", "undo.finished", "notify",
    "config.reloaded", "config.unchanged", "config.invalid",
    "snapshot.created", "snapshot.restored", "snapshot.pruned", "snapshot.failed",
    "kb.outcome", "kb.binding_learned", "kb.binding_dropped", "kb.signature_seen", "signature.seen",
    "message",
  ];

  const TONE = {
    bad: [
      "kernel.exited", "kernel.gave_up", "kernel.spawn_failed", "kernel.unhealthy", "kernel.watchdog_timeout",
      "kernel.kill", "run.failed", "run.escalated", "run.abandoned", "step.failed", "config.invalid",
      "snapshot.failed", "kb.binding_dropped",
    ],
    good: [
      "kernel.started", "kernel.ready", "kernel.healthy", "kernel.resumed", "kernel.leftover_stopped",
      "run.succeeded", "step.succeeded", "config.reloaded", "grace.started", "kb.binding_learned",
      "snapshot.created", "snapshot.restored",
    ],
    warn: [
      "kernel.restarting", "kernel.paused", "kernel.signalled", "kernel.leftover_found",
      "kernel.dependency_not_ready", "kernel.stopping", "trigger.suppressed", "run.interrupted", "grace.stopping",
    ],
    heal: [
      "trigger.fired", "run.started", "step.started", "undo.started", "undo.finished", "healer.started",
      "kb.outcome", "notify",
    ],
  };
  const toneOf = new Map();
  for (const [tone, kinds] of Object.entries(TONE)) for (const k of kinds) toneOf.set(k, tone);

  const $ = (id) => document.getElementById(id);

  // ---- Small helpers -------------------------------------------------------------------------------------------

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "style") node.setAttribute("style", value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setText(node, text) {
    const value = text === null || text === undefined ? "" : String(text);
    if (node.textContent !== value) node.textContent = value;
  }

  function setData(node, key, value) {
    const text = value === null || value === undefined ? "" : String(value);
    if (node.dataset[key] !== text) node.dataset[key] = text;
  }

  class HTTPError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function getJSON(path, { allow = [] } = {}) {
    const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok && !allow.includes(response.status)) throw new HTTPError(response.status, body);
    return body;
  }

  const debounced = new Map();
  function debounce(key, ms, fn) {
    if (debounced.has(key)) return;
    debounced.set(key, setTimeout(() => {
      debounced.delete(key);
      fn();
    }, ms));
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
    const hrs = Math.floor(m / 60);
    if (hrs < 24) return `${hrs}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "–";
    if (ms <= 0) return "0 ms";
    if (ms < 1) return "<1 ms";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
    return fmtDuration(ms / 1000);
  }

  function fmtBytes(bytes) {
    if (bytes === null || bytes === undefined || !isFinite(bytes)) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
  }

  function fmtPercent(value) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    return `${value >= 10 ? Math.round(value) : value.toFixed(1)} %`;
  }

  function fmtClock(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return "";
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  }

  function fmtAgo(iso) {
    const t = Date.parse(iso);
    if (isNaN(t)) return "–";
    const seconds = (Date.now() - t) / 1000;
    return seconds < 5 ? "just now" : `${fmtDuration(seconds)} ago`;
  }

  // ---- Connection indicator ------------------------------------------------------------------------------------

  function setConnection(state, text) {
    const conn = $("conn");
    if (conn.dataset.state !== state) conn.dataset.state = state;
    setText($("conn-text"), text);
  }

  // ---- Status and role -----------------------------------------------------------------------------------------

  const status = { uptime: null, at: 0 };

  async function refreshStatus() {
    const s = await getJSON("/v1/status");
    setText($("instance"), s.instance || "–");
    setText($("version"), s.version || "–");
    if (s.role) setRole(s.role);
    status.uptime = s.uptime_seconds;
    status.at = performance.now();
    const k = s.kernels || {};
    setText($("kernel-counts"), `${k.running ?? 0}/${k.total ?? 0} running · ${k.healthy ?? 0} healthy` +
      (k.failed ? ` · ${k.failed} failed` : ""));
    const j = s.journal || {};
    setText($("journal"), `${(j.entries ?? 0).toLocaleString()} entries`);
    // A journal behind what we have seen is another journal (a fresh state directory): start the list afresh.
    if (typeof j.last_id === "number" && j.last_id < seen.upTo) restartEvents(j.last_id);
    tickClocks();
    return s;
  }

  async function refreshRole() {
    const r = await getJSON("/v1/role", { allow: [503] });
    if (r && r.role) setRole(r.role);
  }

  function setRole(role) {
    const badge = $("role");
    setText(badge, role);
    setData(badge, "role", role);
  }

  // ---- Kernels -------------------------------------------------------------------------------------------------

  const kernels = new Map(); // name -> { row, cells, data, at }

  function stateTone(state) {
    switch (state) {
      case "running": return "good";
      case "failed": case "gave_up": case "spawn_failed": return "bad";
      case "backoff": case "restarting": case "paused": case "unhealthy": return "warn";
      case "starting": case "stopping": return "info";
      default: return "";
    }
  }

  function kernelRow(name) {
    let entry = kernels.get(name);
    if (entry) return entry;
    const cells = {
      name: h("th", { scope: "row", class: "name" }, name),
      state: h("td", null, h("span", { class: "badge" })),
      pid: h("td", { class: "num mono pid" }),
      uptime: h("td", { class: "num uptime" }),
      restarts: h("td", { class: "num restarts" }),
      health: h("td", null, h("span", { class: "badge" })),
      cpu: h("td", null, sparkCell("cpu")),
      mem: h("td", null, sparkCell("mem")),
    };
    const row = h("tr", { "data-kernel": name });
    row.append(cells.name, cells.state, cells.pid, cells.uptime, cells.restarts, cells.health, cells.cpu, cells.mem);
    entry = { row, cells, data: null, at: 0 };
    kernels.set(name, entry);
    $("kernel-rows").append(row);
    return entry;
  }

  function sparkCell(kind) {
    return h("div", { class: `spark ${kind}` }, h("span", { class: "value" }));
  }

  function renderKernel(k) {
    const entry = kernelRow(k.name);
    const { row, cells } = entry;
    const previous = entry.data;
    entry.data = k;
    entry.at = performance.now();

    if (previous && (previous.pid !== k.pid || previous.restarts !== k.restarts)) {
      row.classList.remove("flash");
      void row.offsetWidth; // restart the animation
      row.classList.add("flash");
    }
    setData(row, "pid", k.pid ?? "");
    setData(row, "restarts", k.restarts ?? 0);
    setData(row, "state", k.state);
    setData(row, "healthy", k.healthy === null || k.healthy === undefined ? "" : String(k.healthy));
    setData(row, "tier", k.tier || "");

    const stateBadge = cells.state.firstChild;
    const label = k.paused && k.state !== "paused" ? `${k.state} (paused)` : k.state;
    setText(stateBadge, label);
    stateBadge.className = `badge ${stateTone(k.paused ? "paused" : k.state)}`;
    setText(cells.pid, k.pid ?? "–");
    setText(cells.restarts, k.restarts ?? 0);

    const healthBadge = cells.health.firstChild;
    if (k.healthy === true) {
      setText(healthBadge, "healthy");
      healthBadge.className = "badge good";
    } else if (k.healthy === false) {
      setText(healthBadge, "unhealthy");
      healthBadge.className = "badge bad";
    } else {
      setText(healthBadge, "–");
      healthBadge.className = "badge";
    }

    const history = k.history || {};
    const m = k.metrics;
    updateSpark(cells.cpu.firstChild, history.cpu_percent || [], m ? m.cpu_percent : null, fmtPercent, "CPU");
    updateSpark(cells.mem.firstChild, history.rss_bytes || [], m ? m.rss_bytes : null, fmtBytes, "Memory");
    tickKernel(entry);
  }

  function tickKernel(entry) {
    const k = entry.data;
    if (!k) return;
    if (k.uptime_seconds === null || k.uptime_seconds === undefined || k.pid === null) {
      setText(entry.cells.uptime, "–");
    } else {
      setText(entry.cells.uptime, fmtDuration(k.uptime_seconds + (performance.now() - entry.at) / 1000));
    }
  }

  // An inline SVG sparkline of the last 60 samples, right-aligned so a short history fills in from the right.
  function updateSpark(box, values, current, format, what) {
    const numbers = values.filter((v) => typeof v === "number" && isFinite(v));
    const value = box.querySelector(".value");
    setText(value, current === null || current === undefined ? (numbers.length ? format(numbers[numbers.length - 1]) : "–") : format(current));
    const old = box.querySelector("svg");
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 100 24");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const baseline = document.createElementNS(SVG, "line");
    baseline.setAttribute("x1", "0");
    baseline.setAttribute("x2", "100");
    baseline.setAttribute("y1", "23.5");
    baseline.setAttribute("y2", "23.5");
    baseline.setAttribute("class", "base");
    svg.append(baseline);
    if (numbers.length >= 2) {
      const lo = what === "CPU" ? 0 : Math.min(...numbers);
      let hi = Math.max(...numbers);
      if (what === "CPU") hi = Math.max(hi, 5);
      const span = hi - lo || Math.max(Math.abs(hi) * 0.1, 1);
      const base = what === "CPU" ? lo : lo - span * 0.1;
      const range = what === "CPU" ? span : span * 1.2;
      const step = 100 / 59;
      const n = numbers.length;
      const points = numbers.map((v, i) => {
        const x = Math.max(0, 100 - (n - 1 - i) * step);
        const y = 23 - ((v - base) / range) * 21;
        return `${x.toFixed(2)},${y.toFixed(2)}`;
      });
      const first = points[0].split(",")[0];
      const area = document.createElementNS(SVG, "path");
      area.setAttribute("d", `M${first},24 L${points.join(" L")} L100,24 Z`);
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", points.join(" "));
      svg.append(area, line);
      box.title = `${what}, last ${n} samples: min ${format(Math.min(...numbers))}, max ${format(Math.max(...numbers))}`;
    } else {
      box.title = `${what}: no history yet`;
    }
    if (old) old.replaceWith(svg);
    else box.prepend(svg);
  }

  async function refreshKernels() {
    const body = await getJSON("/v1/kernels");
    const list = body.kernels || [];
    const names = new Set(list.map((k) => k.name));
    for (const [name, entry] of kernels) {
      if (!names.has(name)) {
        entry.row.remove();
        kernels.delete(name);
      }
    }
    const tbody = $("kernel-rows");
    for (const k of list) {
      renderKernel(k);
      tbody.append(kernels.get(k.name).row); // keep boot order
    }
    $("kernels-empty").hidden = list.length > 0;
  }

  async function refreshKernel(name) {
    try {
      const k = await getJSON(`/v1/kernels/${encodeURIComponent(name)}`);
      renderKernel(k);
      $("kernels-empty").hidden = true;
    } catch (error) {
      if (error.status === 404) {
        const entry = kernels.get(name);
        if (entry) entry.row.remove();
        kernels.delete(name);
      } else {
        throw error;
      }
    }
  }

  // ---- Events --------------------------------------------------------------------------------------------------

  // Which journal ids we have handled: all ids <= `upTo`, plus those in `above`. Bounded: the periodic catch-up
  // from /v1/events moves `upTo` forward and empties `above`.
  const seen = { upTo: 0, above: new Set() };
  let filterText = "";

  function markSeen(id) {
    if (id <= seen.upTo || seen.above.has(id)) return false;
    seen.above.add(id);
    while (seen.above.has(seen.upTo + 1)) {
      seen.upTo += 1;
      seen.above.delete(seen.upTo);
    }
    return true;
  }

  function settleSeen(upTo) {
    if (upTo <= seen.upTo) return;
    seen.upTo = upTo;
    for (const id of seen.above) if (id <= upTo) seen.above.delete(id);
  }

  function eventItem(ev, fresh) {
    const fields = ev.fields || {};
    const text = Object.entries(fields)
      .filter(([key]) => key !== "kernel")
      .map(([key, value]) => `${key}=${value}`)
      .join(" ");
    const tone = toneOf.get(ev.kind) || (/^(run|step)\./.test(ev.kind) ? "info" : "");
    return h("li", {
      class: [tone, fresh ? "new" : ""].filter(Boolean).join(" ") || null,
      "data-id": ev.id,
      "data-kind": ev.kind,
      "data-kernel": ev.kernel ?? "",
    },
      h("time", { class: "time", datetime: ev.time, title: ev.time }, fmtClock(ev.time)),
      h("span", { class: "kind" }, ev.kind),
      h("span", { class: "detail" },
        ev.kernel ? h("span", { class: "kernel" }, ev.kernel) : null,
        text ? h("span", { class: "fields" }, text) : null));
  }

  function matchesFilter(item) {
    if (!filterText) return true;
    return item.dataset.kind.includes(filterText) || item.dataset.kernel.toLowerCase().includes(filterText);
  }

  // Inserts by id (newest first) and keeps the list bounded. Returns whether the event was new.
  function insertEvent(ev, fresh) {
    if (typeof ev.id !== "number" || !markSeen(ev.id)) return false;
    const list = $("events");
    if (list.children.length >= MAX_EVENTS && ev.id < Number(list.lastElementChild.dataset.id)) return true;
    const item = eventItem(ev, fresh);
    item.hidden = !matchesFilter(item);
    let before = list.firstElementChild;
    while (before && Number(before.dataset.id) > ev.id) before = before.nextElementSibling;
    list.insertBefore(item, before);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    return true;
  }

  function handleEvent(ev, fresh) {
    if (!insertEvent(ev, fresh)) return;
    if (!fresh) return;
    const kind = ev.kind || "";
    if (kind.startsWith("kernel.") && ev.kernel) {
      debounce(`kernel:${ev.kernel}`, 100, () => refreshKernel(ev.kernel).catch(report));
      debounce("status", 500, () => refreshStatus().catch(report));
    }
    if (/^(run|step|undo|trigger)\./.test(kind)) debounce("runs", 250, () => refreshRuns().catch(report));
    if (kind.startsWith("kb.") || kind.startsWith("signature.")) debounce("kb", 500, () => refreshKb().catch(report));
    if (kind === "config.reloaded") debounce("kernels", 200, () => refreshKernels().catch(report));
  }

  function restartEvents(lastId) {
    seen.upTo = 0;
    seen.above.clear();
    $("events").replaceChildren();
    loadRecentEvents(lastId).catch(report).finally(openStream);
  }

  async function loadRecentEvents(lastId) {
    const after = Math.max(0, lastId - 100);
    settleSeen(after);
    const body = await getJSON(`/v1/events?after=${after}&limit=100`);
    for (const ev of body.events || []) insertEvent(ev, false);
    settleSeen(Math.max(lastId, body.next_after ?? 0));
  }

  // Fetches whatever the stream has not delivered since the last contiguous id we handled.
  async function catchUp() {
    let after = seen.upTo;
    for (let page = 0; page < 5; page += 1) {
      const body = await getJSON(`/v1/events?after=${after}&limit=1000`);
      const events = body.events || [];
      for (const ev of events) handleEvent(ev, true);
      const next = body.next_after ?? (events.length ? events[events.length - 1].id : after);
      settleSeen(next);
      if (events.length < 1000 || next <= after) break;
      after = next;
    }
  }

  let source = null;
  let reconnectDelay = 1000;
  let reconnectTimer = null;
  let wasDown = false;

  function openStream() {
    if (source) source.close();
    clearTimeout(reconnectTimer);
    const url = `/v1/events/stream?after=${seen.upTo}`;
    setConnection("connecting", "connecting…");
    const es = new EventSource(url);
    source = es;
    const onMessage = (message) => {
      let ev;
      try {
        ev = JSON.parse(message.data);
      } catch (_) {
        return;
      }
      if (ev && typeof ev === "object") handleEvent(ev, true);
    };
    for (const kind of KINDS) es.addEventListener(kind, onMessage);
    es.onopen = () => {
      reconnectDelay = 1000;
      setConnection("live", "live");
      if (wasDown) {
        wasDown = false;
        refreshAll().catch(report);
      }
    };
    es.onerror = () => {
      if (source !== es) return;
      wasDown = true;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the server answered with an error): reconnect ourselves, with backoff.
        setConnection("offline", `offline, retrying in ${Math.round(reconnectDelay / 1000)} s`);
        reconnectTimer = setTimeout(openStream, reconnectDelay);
        reconnectDelay = Math.min(reconnectDelay * 2, 30000);
      } else {
        setConnection("connecting", "reconnecting…");
      }
    };
  }

  // ---- Playbook runs -------------------------------------------------------------------------------------------

  const runStateTone = { succeeded: "good", failed: "bad", running: "info" };

  function renderRun(run) {
    const t0 = Date.parse(run.started_at);
    const now = Date.now();
    let end = run.finished_at ? Date.parse(run.finished_at) : now;
    for (const step of run.steps || []) {
      const s = step.started_at ? Date.parse(step.started_at) : NaN;
      const e = step.finished_at ? Date.parse(step.finished_at) : (step.state === "running" ? now : s);
      if (isFinite(e)) end = Math.max(end, e);
      if (isFinite(s) && isFinite(step.duration_ms)) end = Math.max(end, s + step.duration_ms);
    }
    const total = Math.max(end - t0, 1);
    const duration = run.duration_ms ?? (run.finished_at ? total : now - t0);

    const args = Object.entries(run.arguments || {}).map(([k, v]) => `${k}=${v}`).join(" ");
    const meta = [
      run.trigger ? `trigger ${run.trigger}` : "manual",
      `started ${fmtClock(run.started_at)}`,
      run.state === "running" ? `running ${fmtMs(duration)}` : fmtMs(duration),
      args,
    ].filter(Boolean).join(" · ");

    const steps = h("ol", { class: "steps" });
    for (const step of run.steps || []) {
      const s = step.started_at ? Date.parse(step.started_at) : NaN;
      let length = step.duration_ms;
      if (!isFinite(length)) {
        const e = step.finished_at ? Date.parse(step.finished_at) : (step.state === "running" ? now : NaN);
        length = isFinite(e) && isFinite(s) ? e - s : 0;
      }
      const left = isFinite(s) ? Math.min(Math.max(((s - t0) / total) * 100, 0), 100) : 0;
      const width = Math.min(Math.max((length / total) * 100, 0), 100 - left);
      const offset = isFinite(s) ? `+${fmtMs(s - t0)}` : "not started";
      const attempts = step.attempts > 1 ? `, ${step.attempts} attempts` : "";
      const summary = `${step.state}, ${offset}, took ${fmtMs(length)}${attempts}` +
        (step.error ? `: ${step.error}` : step.detail ? `: ${step.detail}` : "");
      // The duration label goes after the bar, or inside a long bar, or before a bar that ends near the right.
      let durStyle = `left:calc(${(left + width).toFixed(2)}% + 6px)`;
      let durClass = "dur";
      if (width > 40) {
        durStyle = `left:calc(${left.toFixed(2)}% + 6px)`;
        durClass = "dur inside";
      } else if (left + width > 75) {
        durStyle = `right:calc(${(100 - left).toFixed(2)}% + 6px)`;
      }
      steps.append(h("li", { "data-step": step.index, "data-state": step.state },
        h("span", { class: "label", title: step.detail || step.error || step.name },
          `${step.index + 1}. ${step.name} `,
          step.action ? h("span", { class: "action" }, step.action) : null),
        h("span", { class: "track", title: summary },
          h("span", { class: `bar ${step.state}`, style: `left:${left.toFixed(2)}%;width:${width.toFixed(2)}%` }),
          h("span", { class: durClass, style: durStyle, "aria-hidden": "true" },
            step.state === "skipped" ? "skipped" : fmtMs(length) + (step.attempts > 1 ? ` ×${step.attempts}` : "")),
          h("span", { class: "sr" }, summary))));
    }

    return h("article", {
      class: "run",
      "data-run": run.id,
      "data-state": run.state,
      "data-playbook": run.playbook,
    },
      h("header", null,
        h("h3", null, run.playbook),
        h("span", { class: `badge ${runStateTone[run.state] || ""}` }, run.state),
        h("span", { class: "meta" }, meta)),
      (run.steps || []).length
        ? h("div", { class: "axis", "aria-hidden": "true" }, h("span"), h("span", null, h("span", null, "0"), h("span", null, fmtMs(total))))
        : null,
      steps,
      run.error ? h("p", { class: "error" }, run.error) : null);
  }

  let anyRunRunning = false;

  async function refreshRuns() {
    const body = await getJSON(`/v1/runs?limit=${RUNS_SHOWN}`);
    const runs = body.runs || [];
    anyRunRunning = runs.some((r) => r.state === "running");
    $("runs").replaceChildren(...runs.map(renderRun));
    $("runs-empty").hidden = runs.length > 0;
  }

  // ---- Knowledge base ------------------------------------------------------------------------------------------

  function bestBinding(bindings) {
    let best = null;
    for (const b of bindings || []) {
      if (!best || (b.expected_success ?? 0) > (best.expected_success ?? 0)) best = b;
    }
    return best;
  }

  function severityTone(severity) {
    const s = String(severity || "").toLowerCase();
    if (s === "critical" || s === "error" || s === "fatal") return "bad";
    if (s === "warning" || s === "warn") return "warn";
    return "";
  }

  async function refreshKb() {
    const body = await getJSON("/v1/kb?limit=10");
    const signatures = body.signatures || [];
    const rows = signatures.map((sig) => {
      const kernelsText = Object.entries(sig.kernels || {})
        .sort((a, b) => b[1] - a[1])
        .map(([name, count]) => `${name} ×${count}`)
        .join(", ");
      const best = bestBinding(sig.bindings);
      const binding = best
        ? h("span", null,
          h("code", null, best.playbook), " ",
          h("span", { class: `badge ${(best.expected_success ?? 0) >= 0.5 ? "good" : "warn"}` },
            `${Math.round((best.expected_success ?? 0) * 100)} %`),
          h("span", { class: "hint" }, ` ${best.successes}✓ ${best.failures}✗${best.declared ? " · declared" : ""}`))
        : h("span", { class: "hint" }, "none yet");
      return h("tr", { "data-signature": sig.id },
        h("td", { class: "template", title: sig.example || "" },
          sig.declared ? h("strong", null, `${sig.declared}: `) : null,
          h("code", null, sig.template)),
        h("td", null, h("span", { class: `badge ${severityTone(sig.severity)}` }, sig.severity || "–")),
        h("td", { class: "num" }, (sig.count ?? 0).toLocaleString()),
        h("td", null, kernelsText || "–"),
        h("td", { title: sig.last_seen }, fmtAgo(sig.last_seen)),
        h("td", null, binding));
    });
    $("kb-rows").replaceChildren(...rows);
    $("kb-empty").hidden = rows.length > 0;
  }

  // ---- Clocks, refresh loop, boot ------------------------------------------------------------------------------

  function tickClocks() {
    if (status.uptime !== null && status.uptime !== undefined) {
      setText($("uptime"), fmtDuration(status.uptime + (performance.now() - status.at) / 1000));
    }
    for (const entry of kernels.values()) tickKernel(entry);
  }

  function stamp() {
    setText($("updated"), `updated ${fmtClock(new Date().toISOString()).slice(0, 8)}`);
  }

  let lastError = "";
  function report(error) {
    const message = error && error.message ? error.message : String(error);
    if (message !== lastError) {
      lastError = message;
      console.warn("grace dashboard:", message);
    }
  }

  async function refreshAll() {
    const results = await Promise.allSettled([
      refreshStatus(), refreshRole(), refreshKernels(), refreshRuns(), refreshKb(),
    ]);
    for (const r of results) if (r.status === "rejected") report(r.reason);
    stamp();
  }

  async function periodic() {
    const tasks = [refreshKernels(), refreshStatus(), refreshRole(), catchUp()];
    if (anyRunRunning) tasks.push(refreshRuns());
    const results = await Promise.allSettled(tasks);
    let failed = false;
    for (const r of results) {
      if (r.status === "rejected") {
        failed = true;
        report(r.reason);
      }
    }
    if (failed && (!source || source.readyState !== EventSource.OPEN)) {
      setConnection("offline", "offline");
    } else if (!failed) {
      stamp();
    }
  }

  async function boot() {
    $("event-filter").addEventListener("input", (e) => {
      filterText = e.target.value.trim().toLowerCase();
      for (const item of $("events").children) item.hidden = !matchesFilter(item);
    });

    let lastId = 0;
    try {
      const s = await refreshStatus();
      lastId = (s.journal && s.journal.last_id) || 0;
    } catch (error) {
      report(error);
    }
    try {
      await loadRecentEvents(lastId);
    } catch (error) {
      report(error);
      settleSeen(lastId);
    }
    openStream();
    await refreshAll();
    document.body.dataset.ready = "true";
    setInterval(() => periodic().catch(report), REFRESH_MS);
    setInterval(tickClocks, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
