// Plain SVG charts for the metrics page (no library, no CDN): horizontal bars, grouped by row.
//   barChart({ rows: ["es", "en"], series: [{ name: "CSAT", color: "#0f7b6c", values: [4.5, 3], labels: ["4.5", "3"] }],
//              max: 5 })  -> an <svg>
// layout() is pure (tested with node); barChart() builds the DOM from it.

const NS = "http://www.w3.org/2000/svg";
export const WIDTH = 600;
const LABEL_W = 150;
const VALUE_W = 90;
const BAR_H = 16;
const ROW_GAP = 10;

// Geometry of every bar: {row, series, x, y, w, h, value, label}; rows whose values are all missing still
// get their label. `max` defaults to the largest value (bars scale to it).
export function layout({ rows, series, max = null }) {
  const values = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined && Number.isFinite(Number(v))));
  const top = max ?? Math.max(0, ...values.map(Number));
  const span = WIDTH - LABEL_W - VALUE_W;
  const rowH = series.length * BAR_H + ROW_GAP;
  const bars = [];
  rows.forEach((row, i) => {
    series.forEach((s, j) => {
      const v = s.values[i];
      const missing = v === null || v === undefined || !Number.isFinite(Number(v));
      const w = missing || top <= 0 ? 0 : Math.max(Number(v) > 0 ? 1 : 0, (Number(v) / top) * span);
      bars.push({ row: i, series: j, x: LABEL_W, y: i * rowH + j * BAR_H, w, h: BAR_H - 3, value: missing ? null : Number(v),
                  label: missing ? "–" : (s.labels ? s.labels[i] : String(v)) });
    });
  });
  return { bars, height: Math.max(rowH * rows.length, BAR_H), rowH, labelW: LABEL_W };
}

function node(tag, attrs = {}, text = null) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== null) n.textContent = text;
  return n;
}

export function barChart(spec) {
  const { rows, series } = spec;
  const g = layout(spec);
  const svg = node("svg", { viewBox: `0 0 ${WIDTH} ${g.height}`, role: "img" });
  svg.dataset.rows = String(rows.length);
  rows.forEach((row, i) => {
    const y = i * g.rowH + (series.length * 16) / 2;
    svg.append(node("text", { x: g.labelW - 8, y: y + 4, "text-anchor": "end" }, String(row).slice(0, 22)));
  });
  svg.append(node("line", { x1: g.labelW, y1: 0, x2: g.labelW, y2: g.height, class: "axis" }));
  for (const b of g.bars) {
    const s = series[b.series];
    const rect = node("rect", { x: b.x, y: b.y, width: b.w.toFixed(1), height: b.h, rx: 3, fill: s.color });
    rect.append(node("title", {}, `${rows[b.row]} · ${s.name}: ${b.label}`));
    rect.dataset.value = b.value === null ? "" : String(b.value);
    rect.dataset.series = s.name;
    svg.append(rect, node("text", { x: b.x + b.w + 6, y: b.y + b.h - 2 }, b.label));
  }
  return svg;
}

export function legend(series) {
  const box = document.createElement("div");
  box.className = "legend";
  for (const s of series) {
    const span = document.createElement("span");
    span.style.setProperty("--c", s.color);
    span.textContent = s.name;
    box.append(span);
  }
  return box;
}
