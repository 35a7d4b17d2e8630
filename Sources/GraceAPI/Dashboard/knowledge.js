// The knowledge base's top signatures (#kb-rows): one tr[data-signature] each, with its severity, how often and
// where it was seen, and the playbook binding most likely to heal it.

import { getKnowledge } from "./api.js";
import { byId, h } from "./dom.js";
import { fmtAgo } from "./format.js";

const SIGNATURES_SHOWN = 10;

function bestBinding(bindings) {
  let best = null;
  for (const b of bindings ?? []) {
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

function kernelsSeen(kernels) {
  return Object.entries(kernels ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ×${count}`)
    .join(", ");
}

function bindingCell(best) {
  if (!best) return h("span", { class: "hint" }, "none yet");
  const odds = best.expected_success ?? 0;
  const declared = best.declared ? " · declared" : "";
  return h("span", null,
    h("code", null, best.playbook), " ",
    h("span", { class: `badge ${odds >= 0.5 ? "good" : "warn"}` }, `${Math.round(odds * 100)} %`),
    h("span", { class: "hint" }, ` ${best.successes}✓ ${best.failures}✗${declared}`));
}

function signatureRow(sig) {
  return h("tr", { "data-signature": sig.id },
    h("td", { class: "template", title: sig.example || "" },
      sig.declared ? h("strong", null, `${sig.declared}: `) : null,
      h("code", null, sig.template)),
    h("td", null, h("span", { class: `badge ${severityTone(sig.severity)}` }, sig.severity || "–")),
    h("td", { class: "num" }, (sig.count ?? 0).toLocaleString()),
    h("td", null, kernelsSeen(sig.kernels) || "–"),
    h("td", { title: sig.last_seen }, fmtAgo(sig.last_seen)),
    h("td", null, bindingCell(bestBinding(sig.bindings))));
}

/** Fetches the top signatures and redraws the knowledge-base panel (#kb-rows, #kb-empty). */
export async function refreshKnowledge() {
  const body = await getKnowledge(SIGNATURES_SHOWN);
  const rows = (body?.signatures ?? []).map(signatureRow);
  byId("kb-rows").replaceChildren(...rows);
  byId("kb-empty").hidden = rows.length > 0;
}
