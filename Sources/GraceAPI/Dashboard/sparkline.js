// Inline SVG sparklines of a kernel's last 60 samples, right-aligned so that a short history fills in from the
// right. CPU is drawn from 0 (and at least to 5 %); memory around its own range.

import { h, setText } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const SAMPLES = 60;

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/**
 * An empty sparkline box: the SVG goes first, the current value after it.
 * @param {string} kind a class for the box, e.g. `cpu` or `mem`
 * @returns {HTMLElement}
 */
export function sparkBox(kind) {
  return h("div", { class: `spark ${kind}` }, h("span", { class: "value" }));
}

/** The vertical scale: the value at the bottom and the range to the top. */
function scale(numbers, fromZero) {
  const lo = fromZero ? 0 : Math.min(...numbers);
  const hi = fromZero ? Math.max(...numbers, 5) : Math.max(...numbers);
  const span = hi - lo || Math.max(Math.abs(hi) * 0.1, 1);
  return fromZero ? { base: lo, range: span } : { base: lo - span * 0.1, range: span * 1.2 };
}

function points(numbers, fromZero) {
  const { base, range } = scale(numbers, fromZero);
  const step = 100 / (SAMPLES - 1);
  const n = numbers.length;
  return numbers.map((v, i) => {
    const x = Math.max(0, 100 - (n - 1 - i) * step);
    const y = 23 - ((v - base) / range) * 21;
    return `${x.toFixed(2)},${y.toFixed(2)}`;
  });
}

/**
 * Redraws a sparkline box.
 * @param {HTMLElement} box from {@link sparkBox}
 * @param {unknown[]} values the samples, oldest first (non-numbers are skipped)
 * @param {number | null | undefined} current the latest value; the last sample when absent
 * @param {(value: number) => string} format
 * @param {{what: string, fromZero?: boolean}} options `what` names the series in the tooltip
 */
export function drawSpark(box, values, current, format, { what, fromZero = false }) {
  const numbers = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  const latest = current ?? numbers[numbers.length - 1];
  setText(box.querySelector(".value"), latest === null || latest === undefined ? "–" : format(latest));

  const chart = svg("svg", { viewBox: "0 0 100 24", preserveAspectRatio: "none", "aria-hidden": "true",
    focusable: "false" });
  chart.append(svg("line", { x1: 0, x2: 100, y1: 23.5, y2: 23.5, class: "base" }));
  if (numbers.length >= 2) {
    const line = points(numbers, fromZero);
    const first = line[0].split(",")[0];
    chart.append(
      svg("path", { d: `M${first},24 L${line.join(" L")} L100,24 Z` }),
      svg("polyline", { points: line.join(" ") }));
    const low = format(Math.min(...numbers));
    const high = format(Math.max(...numbers));
    box.title = `${what}, last ${numbers.length} samples: min ${low}, max ${high}`;
  } else {
    box.title = `${what}: no history yet`;
  }
  const old = box.querySelector("svg");
  if (old) old.replaceWith(chart);
  else box.prepend(chart);
}
