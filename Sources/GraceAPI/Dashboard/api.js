// Reads from Grace's HTTP API (docs/api.md). The page only GETs, and reads are public on loopback, so it sends
// no token. Every path the page uses is here.

/** A response with an error status; `message` is the API's own when it sent one. */
export class HTTPError extends Error {
  /**
   * @param {number} status
   * @param {any} body the decoded error envelope `{"error": {"code", "message"}}`, or null
   */
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.name = "HTTPError";
    this.status = status;
    this.body = body;
  }
}

/**
 * GETs a path and decodes its JSON body (null when there is none).
 * @param {string} path
 * @param {{allow?: number[]}} [options] error statuses whose body is still an answer (e.g. 503 from /v1/role)
 * @returns {Promise<any>}
 * @throws {HTTPError} for any other error status; a TypeError when the server cannot be reached
 */
export async function getJSON(path, { allow = [] } = {}) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok && !allow.includes(response.status)) throw new HTTPError(response.status, body);
  return body;
}

/**
 * Version, instance, role, uptime, kernel counts and the journal's size and last id.
 * @returns {Promise<any>}
 */
export const getStatus = () => getJSON("/v1/status");

/**
 * `{"role": ...}`: answered with 503 on a standby, which is still an answer here.
 * @returns {Promise<any>}
 */
export const getRole = () => getJSON("/v1/role", { allow: [503] });

/**
 * Every kernel with its state, metrics and recent samples: `{"kernels": [...]}`.
 * @returns {Promise<any>}
 */
export const getKernels = () => getJSON("/v1/kernels");

/**
 * One kernel; rejects with an HTTPError of status 404 when there is no such kernel.
 * @param {string} name
 * @returns {Promise<any>}
 */
export const getKernel = (name) => getJSON(`/v1/kernels/${encodeURIComponent(name)}`);

/**
 * A page of the journal, oldest first: `{"events": [...], "next_after": ID}`.
 * @param {number} after the last id already had
 * @param {number} limit 1 to 1000
 * @returns {Promise<any>}
 */
export const getEvents = (after, limit) => getJSON(`/v1/events?after=${after}&limit=${limit}`);

/**
 * The journal's vocabulary: `{"kinds": [{"kind", "tone", "summary"}, ...]}`.
 * @returns {Promise<any>}
 */
export const getEventKinds = () => getJSON("/v1/events/kinds");

/**
 * The newest playbook runs with their steps: `{"runs": [...]}`.
 * @param {number} limit
 * @returns {Promise<any>}
 */
export const getRuns = (limit) => getJSON(`/v1/runs?limit=${limit}`);

/**
 * An incident as a causal chain: `path` is `runs/ID`, `events/ID` or `kernels/NAME` (escaped here, segment by
 * segment).
 * @param {string} path
 * @returns {Promise<any>}
 */
export const getExplain = (path) => getJSON(`/v1/explain/${path.split("/").map(encodeURIComponent).join("/")}`);

/**
 * The knowledge base's top signatures: `{"signatures": [...]}`.
 * @param {number} limit
 * @returns {Promise<any>}
 */
export const getKnowledge = (limit) => getJSON(`/v1/kb?limit=${limit}`);

/**
 * The coding agent at a glance: `{"paused", "patterns", "tasks_open"}`; the error envelope when its queue is not
 * available (503), which is still an answer here.
 * @returns {Promise<any>}
 */
export const getAgent = () => getJSON("/v1/agent", { allow: [503] });

/**
 * Grace's own components: `{"components": [...]}`, each with its state, heartbeat, silence and restarts.
 * @returns {Promise<any>}
 */
export const getComponents = () => getJSON("/v1/components");

/**
 * This instance's view of its fleet, or null when this Grace runs as no fleet instance (404).
 * @returns {Promise<any>}
 */
export const getFleet = () => getJSON("/v1/fleet", { allow: [404] }).then((body) => (body?.error ? null : body));

/**
 * The running graph's chaos scenarios and gates and the latest finished drills: `{"scenarios", "gates", "drills"}`.
 * @returns {Promise<any>}
 */
export const getChaos = () => getJSON("/v1/chaos");

/**
 * The coding agent's newest tasks: `{"tasks": [...]}`; the error envelope when its queue is not available (503).
 * @param {number} limit 1 to 500
 * @returns {Promise<any>}
 */
export const getAgentTasks = (limit) => getJSON(`/v1/agent/tasks?limit=${limit}`, { allow: [503] });

/**
 * The URL of the live journal (Server-Sent Events), from just after a journal id.
 * @param {number} after
 * @returns {string}
 */
export const eventStreamURL = (after) => `/v1/events/stream?after=${after}`;
