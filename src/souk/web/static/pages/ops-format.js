// Pure helpers of the ops page (tested with node): labels, percentages, chart specs from the API's figures.
// Definitions of every number: docs/quality.md and souk/domain/quality_agg.py.

export const C = { brand: "#0f7b6c", p90: "#7fb8ae", warn: "#d99a1e", danger: "#c2413b", muted: "#9aa3b5", ai: "#7b61c4" };

export const pct = (x, digits = 1) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(digits)}%`);
export const ms = (x) => (x === null || x === undefined ? "–" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
export const num = (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

export function bucketLabel(startS, bucketS) {
  const d = new Date(startS * 1000);
  const iso = d.toISOString();
  return bucketS >= 86400 ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function histogramSpec(bins) {
  let lo = 0;
  const rows = bins.map((b) => {
    const label = b.le_ms === null ? `> ${ms(lo)}` : `${ms(lo)} – ${ms(b.le_ms)}`;
    if (b.le_ms !== null) lo = b.le_ms;
    return label;
  });
  return { rows, series: [{ name: "joins", color: C.brand, values: bins.map((b) => b.count) }] };
}

// Per time bucket: MOS (of 4.5), freeze time and failed-join share (of 100 %) as bars on one 0..1 scale.
export function timeSpec(buckets, bucketS) {
  const rows = buckets.map((b) => bucketLabel(b.start, bucketS));
  return {
    rows, max: 1,
    series: [
      { name: "MOS (of 4.5)", color: C.brand, values: buckets.map((b) => (b.mos.mean === null ? null : b.mos.mean / 4.5)),
        labels: buckets.map((b) => `${num(b.mos.mean)} (n=${b.mos.n})`) },
      { name: "freeze time", color: C.warn, values: buckets.map((b) => b.freeze_ratio),
        labels: buckets.map((b) => pct(b.freeze_ratio, 2)) },
      { name: "failed joins", color: C.danger, values: buckets.map((b) => b.failure_rate),
        labels: buckets.map((b) => `${pct(b.failure_rate)} (${b.failed}/${b.participants})`) },
    ],
  };
}

export function groupSpec(byKey) {
  const keys = Object.keys(byKey || {});
  return {
    rows: keys.map((k) => `${k} (n=${byKey[k].participants})`), max: 1,
    series: [
      { name: "MOS (of 4.5)", color: C.brand, values: keys.map((k) => (byKey[k].mos.mean === null ? null : byKey[k].mos.mean / 4.5)),
        labels: keys.map((k) => num(byKey[k].mos.mean)) },
      { name: "freeze time", color: C.warn, values: keys.map((k) => byKey[k].freeze_ratio),
        labels: keys.map((k) => pct(byKey[k].freeze_ratio, 2)) },
      { name: "failed joins", color: C.danger, values: keys.map((k) => byKey[k].failure_rate),
        labels: keys.map((k) => pct(byKey[k].failure_rate)) },
    ],
  };
}

const KIND = { live: "live viewers", consult: "consults", voice: "voice rooms" };

// Rows "kind · group" from sales.by_freezes / by_mos; value: conversion or revenue per participant.
export function salesSpec(byKind, value, currency) {
  const rows = [], values = [], labels = [];
  for (const [kind, groups] of Object.entries(byKind || {})) {
    for (const [group, g] of Object.entries(groups)) {
      rows.push(`${KIND[kind] || kind} · ${group}`);
      if (value === "conversion") {
        values.push(g.conversion);
        labels.push(`${pct(g.conversion)} (${g.buyers}/${g.participants})`);
      } else {
        values.push(g.revenue_per_participant === null ? null : Number(g.revenue_per_participant));
        labels.push(`${g.revenue_per_participant ?? "–"} ${currency} (${g.revenue} from ${g.participants})`);
      }
    }
  }
  const name = value === "conversion" ? "conversion" : `revenue per participant (${currency})`;
  return { rows, series: [{ name, color: value === "conversion" ? C.brand : C.ai, values, labels }],
           max: value === "conversion" ? 1 : null };
}
