// Text for numbers the API serves: durations, byte counts, percentages and times of day. "–" stands for a value
// the API did not give (null, undefined, not finite).

const DASH = "–";

const missing = (value) => value === null || value === undefined || !Number.isFinite(value);

const pad = (n, width = 2) => String(n).padStart(width, "0");

/**
 * A duration as the two largest units: `42s`, `3m 07s`, `5h 02m`, `2d 3h`.
 * @param {number | null | undefined} seconds
 * @returns {string}
 */
export function fmtDuration(seconds) {
  if (missing(seconds)) return DASH;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const hours = Math.floor(m / 60);
  if (hours < 24) return `${hours}h ${pad(m % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * A short duration given in milliseconds: `<1 ms`, `250 ms`, `1.25 s`, then as {@link fmtDuration}.
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function fmtMs(ms) {
  if (missing(ms)) return DASH;
  if (ms <= 0) return "0 ms";
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return fmtDuration(ms / 1000);
}

/**
 * A byte count in binary units: `512 B`, `1.5 KiB`, `120 MiB`.
 * @param {number | null | undefined} bytes
 * @returns {string}
 */
export function fmtBytes(bytes) {
  if (missing(bytes)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * A percentage, one decimal below 10: `0.4 %`, `37 %`.
 * @param {number | null | undefined} value
 * @returns {string}
 */
export function fmtPercent(value) {
  if (missing(value)) return DASH;
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} %`;
}

/**
 * The local time of day of an ISO 8601 timestamp, to the millisecond: `14:03:27.120`; "" when it does not parse.
 * @param {string} iso
 * @returns {string}
 */
export function fmtClock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${time}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * How long ago an ISO 8601 timestamp was: `just now`, `3m 10s ago`.
 * @param {string} iso
 * @returns {string}
 */
export function fmtAgo(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return DASH;
  const seconds = (Date.now() - t) / 1000;
  return seconds < 5 ? "just now" : `${fmtDuration(seconds)} ago`;
}
