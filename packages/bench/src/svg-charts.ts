/** SVG charts: ns per operation for every path (bars), and one case's ratio and ns/op across runs (trend). */
import type { BenchReport } from "./schema.js";
import type { HistoryLine } from "./history.js";
import { formatNs } from "./markdown-report.js";

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A horizontal bar chart of ns/op per case (Node paths, then Bun's bun:ffi rows), on a log scale. */
export function barChartSvg(report: BenchReport): string {
  // Each group's Node paths, then Bun's bun:ffi figure for the same group right below them.
  const bunByGroup = new Map(report.bun.cases.filter((c) => c.path === "bun-ffi").map((c) => [c.group, c]));
  const rows: { label: string; ns: number; bun: boolean; ref: boolean }[] = [];
  report.cases.forEach((c, i) => {
    rows.push({ label: c.case, ns: c.nsPerOp, bun: false, ref: c.case === c.reference });
    const b = bunByGroup.get(c.group);
    if (b !== undefined && report.cases[i + 1]?.group !== c.group) rows.push({ label: `${c.group}/bun:ffi (Bun)`, ns: b.nsPerOp, bun: true, ref: false });
  });
  const labelW = 300, barW = 520, rowH = 18, top = 40, width = labelW + barW + 90;
  const height = top + rows.length * rowH + 30;
  const max = Math.max(...rows.map((r) => r.ns), 10);
  const min = Math.min(...rows.map((r) => r.ns), 1) / 2;
  const x = (ns: number): number => (Math.log10(ns / min) / Math.log10(max / min)) * barW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">ns per operation by call path (log scale; shorter is faster)</text>`,
    `<text x="8" y="32" fill="#555">Node ${esc(report.runtime.version)}, koffi ${esc(String(report.runtime.koffi))}${report.bun.ran ? `, Bun ${esc(String(report.bun.runtime?.version))}` : ""}; ${esc(report.startedAt)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const fill = r.bun ? "#f59e0b" : r.ref ? "#6b7280" : r.label.includes("/core") || r.label.includes("/cfunction") || r.label.includes("/linksymbols") ? "#2563eb" : "#10b981";
    out.push(`<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(r.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(r.ns)).toFixed(1)}" height="${rowH - 6}" fill="${fill}"/>`);
    out.push(`<text x="${(labelW + Math.max(1, x(r.ns)) + 4).toFixed(1)}" y="${y + 13}">${formatNs(r.ns)} ns</text>`);
  });
  out.push(`<text x="8" y="${height - 10}" fill="#555">grey: reference (raw koffi); blue: @ffi-kit/core paths; green: other Node paths; orange: Bun bun:ffi</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** A line chart of one case across runs: ratio to its reference (left axis) and ns/op (right axis). */
export function trendChartSvg(caseId: string, history: readonly HistoryLine[]): string {
  const points = history.flatMap((h) => {
    const c = h.cases[caseId];
    return c === undefined ? [] : [{ at: h.startedAt, ratio: c.ratio, ns: c.nsPerOp }];
  });
  const width = 640, height = 260, left = 50, right = 60, top = 36, bottom = 40;
  const w = width - left - right, h = height - top - bottom;
  const maxR = Math.max(1.2, ...points.map((p) => p.ratio)) * 1.1;
  const maxN = Math.max(1, ...points.map((p) => p.ns)) * 1.1;
  const px = (i: number): number => left + (points.length <= 1 ? w / 2 : (i / (points.length - 1)) * w);
  const line = (f: (p: (typeof points)[number]) => number, max: number): string =>
    points.map((p, i) => `${px(i).toFixed(1)},${(top + h - (f(p) / max) * h).toFixed(1)}`).join(" ");
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(caseId)}: ${points.length} run(s)</text>`,
    `<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#2563eb"/>`,
    `<line x1="${left + w}" y1="${top}" x2="${left + w}" y2="${top + h}" stroke="#f59e0b"/>`,
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end" fill="#2563eb">${maxR.toFixed(2)}x</text>`,
    `<text x="${left - 4}" y="${top + h}" text-anchor="end" fill="#2563eb">0</text>`,
    `<text x="${left + w + 4}" y="${top + 4}" fill="#f59e0b">${formatNs(maxN)} ns</text>`,
    `<line x1="${left}" y1="${(top + h - (1 / maxR) * h).toFixed(1)}" x2="${left + w}" y2="${(top + h - (1 / maxR) * h).toFixed(1)}" stroke="#2563eb" stroke-dasharray="3 3" opacity="0.4"/>`,
    `<polyline fill="none" stroke="#f59e0b" stroke-width="1.5" points="${line((p) => p.ns, maxN)}"/>`,
    `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${line((p) => p.ratio, maxR)}"/>`,
    ...points.map((p, i) => `<circle cx="${px(i).toFixed(1)}" cy="${(top + h - (p.ratio / maxR) * h).toFixed(1)}" r="2.5" fill="#2563eb"><title>${esc(p.at)}: ${p.ratio.toFixed(3)}x, ${formatNs(p.ns)} ns</title></circle>`),
    `<text x="${left}" y="${height - 22}" fill="#555">${esc(points[0]?.at ?? "")}</text>`,
    `<text x="${left + w}" y="${height - 22}" text-anchor="end" fill="#555">${esc(points.at(-1)?.at ?? "")}</text>`,
    `<text x="8" y="${height - 6}" fill="#555">blue: ratio to the same-run reference (dashed: 1x); orange: ns/op</text>`,
    "</svg>",
  ];
  return `${out.join("\n")}\n`;
}
