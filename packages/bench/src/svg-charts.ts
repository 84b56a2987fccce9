/**
 * SVG charts of a run: ns per operation and the ratio to each group's reference (bars, log axes), one case across
 * runs (trend), and the Node majors side by side. Plain SVG 1.1, no scripts, readable without a browser's fonts.
 */
import type { BenchReport, CaseResult } from "./schema.js";
import type { HistoryLine } from "./history.js";
import { formatNs } from "./markdown-report.js";
import { unionCases } from "./majors.js";

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const f1 = (n: number): string => n.toFixed(1);

const COLOURS = { reference: "#6b7280", ffiKit: "#2563eb", other: "#10b981", bun: "#f59e0b" } as const;
/** Paths of ffi-kit's own packages (core and the packages beside it). */
const FFI_KIT_PATH = /^(core|cfunction|linksymbols|bindgen|memory|callbacks)/;
/** One colour per Node major in the majors chart (then repeats). */
const MAJOR_COLOURS = ["#9ca3af", "#2563eb", "#10b981", "#f59e0b", "#db2777", "#7c3aed"];

/** A log axis over [lo, hi] (whole decades) mapped to [x0, x0 + width]. */
interface LogAxis {
  readonly lo: number;
  readonly hi: number;
  x(value: number): number;
  /** Decade ticks, with 2 and 5 between them as minor ticks. */
  ticks(): { value: number; major: boolean }[];
}

function logAxis(min: number, max: number, x0: number, width: number): LogAxis {
  const lo = 10 ** Math.floor(Math.log10(min)), hi = 10 ** Math.ceil(Math.log10(Math.max(max, min * 10)));
  const span = Math.log10(hi / lo);
  return {
    lo,
    hi,
    x: (v) => x0 + (Math.log10(Math.min(hi, Math.max(lo, v)) / lo) / span) * width,
    ticks() {
      const out: { value: number; major: boolean }[] = [];
      for (let d = lo; d <= hi * 1.0001; d *= 10) {
        out.push({ value: d, major: true });
        if (d * 10 <= hi * 1.0001) out.push({ value: d * 2, major: false }, { value: d * 5, major: false });
      }
      return out;
    },
  };
}

function nsLabel(ns: number): string {
  if (ns >= 1e6) return `${ns / 1e6} ms`;
  if (ns >= 1e3) return `${ns / 1e3} µs`;
  return `${Number(ns.toPrecision(3))} ns`;
}

function ratioLabel(r: number): string {
  return `${Number(r.toPrecision(3))}x`;
}

/** Grid lines and tick labels of a log axis, between y0 and y1, labels at `labelY`. */
function logGrid(axis: LogAxis, y0: number, y1: number, labelY: number, label: (v: number) => string, strong?: number): string[] {
  const out: string[] = [];
  for (const t of axis.ticks()) {
    const x = f1(axis.x(t.value));
    const isStrong = strong !== undefined && Math.abs(t.value - strong) < 1e-9;
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="${isStrong ? "#111" : t.major ? "#bbb" : "#e5e7eb"}" stroke-width="${isStrong ? 1.5 : 1}"${isStrong ? "" : ' stroke-dasharray="2 2"'}/>`);
    if (t.major || isStrong) out.push(`<text x="${x}" y="${labelY}" text-anchor="middle" fill="#333">${esc(label(t.value))}</text>`);
  }
  return out;
}

function pathColour(c: CaseResult): string {
  return c.case === c.reference ? COLOURS.reference : FFI_KIT_PATH.test(c.path) ? COLOURS.ffiKit : COLOURS.other;
}

/**
 * The report chart: every path's ns/op (left, log scale) and its ratio to the group's reference (right, log scale
 * around 1x: the headline figure), groups in bands with their reference named, Bun's bun:ffi row under each group
 * when Bun ran. The legend lists only what the run had.
 */
export function barChartSvg(report: BenchReport): string {
  const bunByGroup = new Map(report.bun.cases.filter((c) => c.path === "bun-ffi").map((c) => [c.group, c]));
  type Row = { kind: "group"; title: string; reference: string } | { kind: "case"; c: CaseResult } | { kind: "bun"; group: string; ns: number };
  const rows: Row[] = [];
  const groups = [...new Set(report.cases.map((c) => c.group))];
  for (const g of groups) {
    const cases = report.cases.filter((c) => c.group === g);
    rows.push({ kind: "group", title: cases[0]!.title, reference: cases[0]!.reference.split("/")[1]! });
    for (const c of cases) rows.push({ kind: "case", c });
    const b = report.bun.ran ? bunByGroup.get(g) : undefined;
    if (b !== undefined) rows.push({ kind: "bun", group: g, ns: b.nsPerOp });
  }
  const labelW = 250, panelW = 380, gap = 70, rowH = 17, headH = 20, top = 78;
  const nsX0 = labelW, ratioX0 = labelW + panelW + gap;
  const width = ratioX0 + panelW + 70;
  const rowY: number[] = [];
  let y = top;
  for (const r of rows) {
    rowY.push(y);
    y += r.kind === "group" ? headH : rowH;
  }
  const bottom = y;
  const height = bottom + 86;
  const nsValues = [...report.cases.map((c) => c.nsPerOp), ...rows.flatMap((r) => (r.kind === "bun" ? [r.ns] : []))].filter((v) => v > 0);
  const nsAxis = logAxis(Math.min(...nsValues, 1), Math.max(...nsValues, 10), nsX0, panelW);
  const ratios = report.cases.filter((c) => c.case !== c.reference).map((c) => c.ratio).filter((v) => v > 0);
  const ratioAxis = logAxis(Math.min(...ratios, 0.1), Math.max(...ratios, 2), ratioX0, panelW);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">ffi-kit call paths: time per operation and ratio to each group's reference</text>`,
    `<text x="8" y="37" fill="#444">Node ${esc(report.runtime.version)} (${esc(report.runtime.engine)}), koffi ${esc(String(report.runtime.koffi))}${report.bun.ran ? `, Bun ${esc(String(report.bun.runtime?.version))}` : ""}; ${report.machine.cpus}× ${esc(report.machine.cpu)}, load ${report.machine.loadavg}; ${report.settings.rounds} rounds, ${esc(report.settings.clock)} clock; ${esc(report.startedAt)}</text>`,
    `<text x="${nsX0}" y="${top - 22}" font-weight="bold">ns per operation (log scale; shorter is faster)</text>`,
    `<text x="${ratioX0}" y="${top - 22}" font-weight="bold">ratio to the group's reference (log scale; left of 1x is faster)</text>`,
  ];
  // Group bands first, so grid lines and bars draw over them.
  rows.forEach((r, i) => {
    if (r.kind !== "group") return;
    let end = rows.findIndex((x, j) => j > i && x.kind === "group");
    if (end < 0) end = rows.length;
    const y0 = rowY[i]!, y1 = end < rows.length ? rowY[end]! : bottom;
    const band = rows.slice(0, i).filter((x) => x.kind === "group").length % 2 === 0 ? "#f3f4f6" : "#ffffff";
    out.push(`<rect class="group-band" x="4" y="${y0}" width="${width - 8}" height="${y1 - y0}" fill="${band}" stroke="#d1d5db"/>`);
  });
  out.push(...logGrid(nsAxis, top - 6, bottom, top - 8, nsLabel), ...logGrid(nsAxis, bottom, bottom + 4, bottom + 15, nsLabel));
  out.push(...logGrid(ratioAxis, top - 6, bottom, top - 8, ratioLabel, 1), ...logGrid(ratioAxis, bottom, bottom + 4, bottom + 15, ratioLabel, 1));
  rows.forEach((r, i) => {
    const y0 = rowY[i]!;
    if (r.kind === "group") {
      out.push(`<text x="10" y="${y0 + 14}" font-weight="bold">${esc(r.title)}</text>`);
      out.push(`<text x="${width - 10}" y="${y0 + 14}" text-anchor="end" fill="#444">reference: ${esc(r.reference)}</text>`);
      return;
    }
    const ns = r.kind === "bun" ? r.ns : r.c.nsPerOp;
    const label = r.kind === "bun" ? `${r.group}/bun:ffi (Bun)` : r.c.case;
    const fill = r.kind === "bun" ? COLOURS.bun : pathColour(r.c);
    const wNs = Math.max(1, nsAxis.x(ns) - nsX0);
    out.push(`<text x="${labelW - 6}" y="${y0 + 12}" text-anchor="end"${r.kind === "case" && r.c.case === r.c.reference ? ' font-style="italic"' : ""}>${esc(label)}</text>`);
    out.push(`<rect class="bar-ns" x="${nsX0}" y="${y0 + 3}" width="${f1(wNs)}" height="${rowH - 6}" fill="${fill}"><title>${esc(label)}: ${formatNs(ns)} ns/op</title></rect>`);
    out.push(`<text x="${f1(nsX0 + wNs + 4)}" y="${y0 + 12}" fill="#222">${formatNs(ns)} ns</text>`);
    if (r.kind === "bun") {
      out.push(`<text x="${f1(ratioAxis.x(1) + 4)}" y="${y0 + 12}" fill="#777">Bun, another process: no same-run ratio</text>`);
      return;
    }
    const c = r.c;
    if (c.case === c.reference) {
      out.push(`<circle cx="${f1(ratioAxis.x(1))}" cy="${y0 + rowH / 2}" r="3.5" fill="${COLOURS.reference}"/>`);
      out.push(`<text x="${f1(ratioAxis.x(1) + 7)}" y="${y0 + 12}" fill="#555">1x (reference)</text>`);
      return;
    }
    const x1 = ratioAxis.x(1), x2 = ratioAxis.x(c.ratio);
    out.push(`<rect class="bar-ratio" x="${f1(Math.min(x1, x2))}" y="${y0 + 3}" width="${f1(Math.max(1, Math.abs(x2 - x1)))}" height="${rowH - 6}" fill="${fill}"><title>${esc(c.case)}: ${c.ratio.toFixed(3)}x ${esc(c.reference)}</title></rect>`);
    out.push(`<text x="${f1(c.ratio >= 1 ? x2 + 4 : x2 - 4)}" y="${y0 + 12}" text-anchor="${c.ratio >= 1 ? "start" : "end"}" font-weight="bold">${c.ratio.toFixed(3)}x</text>`);
  });
  // Legend: only what this run had.
  const legend: [string, string][] = [
    [COLOURS.reference, "each group's reference (named in its header; italic row)"],
    [COLOURS.ffiKit, "ffi-kit paths"],
    [COLOURS.other, "other Node paths (plain JS, N-API, DataView)"],
  ];
  if (report.bun.ran) legend.push([COLOURS.bun, `Bun ${report.bun.runtime?.version ?? ""} bun:ffi (separate process)`]);
  let lx = 10;
  const ly = bottom + 36;
  for (const [colour, text] of legend) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${colour}"/>`, `<text x="${lx + 16}" y="${ly}">${esc(text)}</text>`);
    lx += 24 + text.length * 6.1;
  }
  const notes: string[] = [];
  if (!report.bun.ran) notes.push(`Bun not measured: ${report.bun.reason ?? "skipped"}`);
  for (const s of report.skipped) notes.push(`skipped ${s.group}: ${s.reason}`);
  const slow = Object.entries(report.injectedSlowdowns);
  if (slow.length > 0) notes.push(`INJECTED SLOWDOWNS (not a real measurement): ${slow.map(([k, v]) => `${k} ×${v}`).join(", ")}`);
  notes.slice(0, 3).forEach((n, i) => out.push(`<text x="10" y="${ly + 18 + i * 14}" fill="${n.startsWith("INJECTED") ? "#b91c1c" : "#555"}">${esc(n.length > 190 ? `${n.slice(0, 187)}...` : n)}</text>`));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** "Nice" axis ticks from 0 to at least `max`: [0, step, 2 step, ...]. */
function linearTicks(max: number): number[] {
  const raw = Math.max(max, 1e-9) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

/**
 * One case across runs, in two panels that share the run axis: the ratio to its same-run reference (top, with the
 * 1x line) and ns/op (bottom). Both series are drawn from the first run on (a marker per run, lines from the second).
 * Pass the history of one Node major and one mode: figures of different V8 versions are not one series.
 */
export function trendChartSvg(caseId: string, history: readonly HistoryLine[]): string {
  const points = history.flatMap((h) => {
    const c = h.cases[caseId];
    return c === undefined ? [] : [{ at: h.startedAt, commit: h.commit, node: h.node, ratio: c.ratio, ns: c.nsPerOp }];
  });
  const width = 700, left = 70, right = 20, top = 44, panelH = 120, between = 38;
  const w = width - left - right;
  const height = top + 2 * panelH + between + 70;
  const px = (i: number): number => left + (points.length <= 1 ? w / 2 : (i / (points.length - 1)) * w);
  const nodes = [...new Set(points.map((p) => p.node))];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(caseId)}: ${points.length} run${points.length === 1 ? "" : "s"}</text>`,
    `<text x="8" y="34" fill="#555">${nodes.length > 0 ? `Node ${esc(nodes.join(", "))}` : "no runs yet"}</text>`,
  ];
  const panel = (y0: number, title: string, colour: string, value: (p: (typeof points)[number]) => number, fmt: (v: number) => string, oneLine: boolean): void => {
    const ticks = linearTicks(Math.max(oneLine ? 1.1 : 0, ...points.map(value)) * 1.08);
    const max = ticks.at(-1)!;
    const y = (v: number): number => y0 + panelH - (v / max) * panelH;
    out.push(`<text x="${left}" y="${y0 - 6}" font-weight="bold" fill="${colour}">${esc(title)}</text>`);
    for (const t of ticks) {
      out.push(`<line x1="${left}" y1="${f1(y(t))}" x2="${left + w}" y2="${f1(y(t))}" stroke="${t === 0 ? "#999" : "#e5e7eb"}"/>`);
      out.push(`<text x="${left - 5}" y="${f1(y(t) + 4)}" text-anchor="end" fill="#333">${esc(fmt(t))}</text>`);
    }
    if (oneLine) out.push(`<line x1="${left}" y1="${f1(y(1))}" x2="${left + w}" y2="${f1(y(1))}" stroke="#111" stroke-dasharray="4 3"/><text x="${left + w - 2}" y="${f1(y(1) - 3)}" text-anchor="end" fill="#111">1x = reference</text>`);
    if (points.length >= 2) out.push(`<polyline class="series" fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p, i) => `${f1(px(i))},${f1(y(value(p)))}`).join(" ")}"/>`);
    points.forEach((p, i) =>
      out.push(`<circle class="point" cx="${f1(px(i))}" cy="${f1(y(value(p)))}" r="3" fill="${colour}"><title>${esc(p.at)}${p.commit === undefined ? "" : ` ${esc(p.commit)}`}: ${esc(fmt(value(p)))}</title></circle>`),
    );
  };
  panel(top + 14, "ratio to the same-run reference", "#2563eb", (p) => p.ratio, (v) => `${Number(v.toPrecision(3))}x`, true);
  panel(top + 14 + panelH + between, "ns per operation", "#d97706", (p) => p.ns, (v) => `${Number(v.toPrecision(3))} ns`, false);
  // Run axis: first, last and a few between.
  const axisY = top + 14 + 2 * panelH + between + 14;
  const shown = points.length <= 6 ? points.map((_, i) => i) : [0, Math.round((points.length - 1) / 3), Math.round((2 * (points.length - 1)) / 3), points.length - 1];
  for (const i of shown) {
    const p = points[i]!;
    out.push(`<text x="${f1(px(i))}" y="${axisY}" text-anchor="middle" fill="#555">${esc(p.at.slice(5, 16).replace("T", " "))}</text>`);
    if (p.commit !== undefined) out.push(`<text x="${f1(px(i))}" y="${axisY + 13}" text-anchor="middle" fill="#888">${esc(p.commit.slice(0, 7))}</text>`);
  }
  out.push(`<text x="8" y="${height - 8}" fill="#555">one point per run (UTC start time and commit below); hover a point for its figure</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/**
 * The Node majors side by side: for every case, one bar per major of its ratio to the group's reference (log
 * scale around 1x), groups in bands with their reference named.
 */
export function majorsChartSvg(reports: readonly BenchReport[]): string {
  const majors = reports.map((r) => r.runtime.version);
  const cases = unionCases(reports).filter((c) => c.case !== c.reference);
  const byReport = reports.map((r) => new Map(r.cases.map((c) => [c.case, c])));
  const labelW = 250, panelW = 520, barH = 7, caseGap = 6, headH = 20, top = 76;
  const caseH = Math.max(1, reports.length) * barH + caseGap;
  const width = labelW + panelW + 90;
  let y = top;
  const layout: ({ kind: "group"; y: number; title: string; reference: string } | { kind: "case"; y: number; id: string })[] = [];
  let group = "";
  for (const c of cases) {
    if (c.group !== group) {
      group = c.group;
      layout.push({ kind: "group", y, title: c.title, reference: c.reference.split("/")[1]! });
      y += headH;
    }
    layout.push({ kind: "case", y, id: c.case });
    y += caseH;
  }
  const bottom = y;
  const height = bottom + 60;
  const ratios = byReport.flatMap((m) => cases.map((c) => m.get(c.case)?.ratio ?? NaN)).filter((v) => v > 0);
  const axis = logAxis(Math.min(...ratios, 0.1), Math.max(...ratios, 2), labelW, panelW);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">ffi-kit by Node major: ratio to each group's reference (log scale; left of 1x is faster)</text>`,
    `<text x="8" y="37" fill="#444">${reports.length === 0 ? "no per-major reports yet" : esc(`${reports[0]!.machine.cpus}× ${reports[0]!.machine.cpu}; ${reports[0]!.mode} runs; each major's latest run`)}</text>`,
  ];
  layout.forEach((l, i) => {
    if (l.kind !== "group") return;
    const next = layout.slice(i + 1).find((x) => x.kind === "group");
    const idx = layout.filter((x, j) => j <= i && x.kind === "group").length;
    out.push(`<rect class="group-band" x="4" y="${l.y}" width="${width - 8}" height="${(next?.y ?? bottom) - l.y}" fill="${idx % 2 === 1 ? "#f3f4f6" : "#ffffff"}" stroke="#d1d5db"/>`);
  });
  out.push(...logGrid(axis, top - 6, bottom, top - 8, ratioLabel, 1), ...logGrid(axis, bottom, bottom + 4, bottom + 15, ratioLabel, 1));
  for (const l of layout) {
    if (l.kind === "group") {
      out.push(`<text x="10" y="${l.y + 14}" font-weight="bold">${esc(l.title)}</text>`, `<text x="${width - 10}" y="${l.y + 14}" text-anchor="end" fill="#444">reference: ${esc(l.reference)}</text>`);
      continue;
    }
    out.push(`<text x="${labelW - 6}" y="${l.y + (caseH - caseGap) / 2 + 4}" text-anchor="end">${esc(l.id)}</text>`);
    byReport.forEach((m, k) => {
      const c = m.get(l.id);
      const by = l.y + k * barH;
      if (c === undefined) return;
      const x1 = axis.x(1), x2 = axis.x(c.ratio);
      out.push(`<rect class="bar-major" x="${f1(Math.min(x1, x2))}" y="${by}" width="${f1(Math.max(1, Math.abs(x2 - x1)))}" height="${barH - 1}" fill="${MAJOR_COLOURS[k % MAJOR_COLOURS.length]}"><title>${esc(l.id)} on Node ${esc(majors[k]!)}: ${c.ratio.toFixed(3)}x (${formatNs(c.nsPerOp)} ns)</title></rect>`);
      out.push(`<text x="${f1(c.ratio >= 1 ? x2 + 3 : x2 - 3)}" y="${by + barH - 1}" font-size="8" text-anchor="${c.ratio >= 1 ? "start" : "end"}" fill="#333">${c.ratio.toFixed(2)}</text>`);
    });
  }
  let lx = 10;
  reports.forEach((r, k) => {
    const text = `Node ${r.runtime.version} (${r.startedAt.slice(0, 10)})`;
    out.push(`<rect x="${lx}" y="${bottom + 30}" width="12" height="10" fill="${MAJOR_COLOURS[k % MAJOR_COLOURS.length]}"/>`, `<text x="${lx + 16}" y="${bottom + 39}">${esc(text)}</text>`);
    lx += 30 + text.length * 6.1;
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
