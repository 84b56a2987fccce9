/** The Markdown table of a report: one row per case, Bun's figure beside the group when Bun ran. */
import type { BenchReport, CaseResult } from "./schema.js";

/** Formats nanoseconds with 3 significant figures. */
export function formatNs(ns: number): string {
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

function formatOps(ops: number): string {
  return ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M` : ops >= 1e3 ? `${(ops / 1e3).toFixed(1)} k` : ops.toFixed(0);
}

/**
 * The report as Markdown: a header line with runtime and machine, then the table.
 *
 * @example
 * console.log(markdownReport(await runSuite({ mode: "full", ...FULL_SETTINGS })));
 */
export function markdownReport(report: BenchReport): string {
  const bunByCase = new Map<string, CaseResult>();
  for (const c of report.bun.cases) bunByCase.set(c.case, c);
  const lines: string[] = [];
  const r = report.runtime, m = report.machine;
  lines.push(
    `ffi-kit bench (${report.mode}): Node ${r.version}, koffi ${r.koffi}, benchmark.js ${r.benchmarkjs}; ${m.cpus}× ${m.cpu}, load ${m.loadavg}; ` +
      `${report.settings.rounds} rounds; ${report.startedAt}${report.commit === undefined ? "" : `, ${report.commit}`}`,
  );
  if (report.bun.ran) lines.push(`Bun column: Bun ${report.bun.runtime?.version} bun:ffi, same C library, measured in a child process after the Node rounds.`);
  else lines.push(`Bun: skipped (${report.bun.reason}).`);
  const slow = Object.entries(report.injectedSlowdowns);
  if (slow.length > 0) lines.push(`**Injected slowdowns (not a real measurement): ${slow.map(([k, v]) => `${k} ×${v}`).join(", ")}**`);
  lines.push("");
  lines.push("| case | ns/op | ops/s | ± | samples | ratio to reference | Bun bun:ffi ns/op |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  let group = "";
  for (const c of report.cases) {
    if (c.group !== group) {
      group = c.group;
      lines.push(`| **${c.title}** (reference: ${c.reference.split("/")[1]}) | | | | | | |`);
    }
    const isRef = c.case === c.reference;
    const bun = c.path === c.reference.split("/")[1] ? bunByCase.get(`${c.group}/bun-ffi`) : undefined;
    lines.push(
      `| ${c.case} | ${formatNs(c.nsPerOp)} | ${formatOps(c.opsPerSec)} | ±${c.rme.toFixed(1)}% | ${c.samples} | ${isRef ? "1 (reference)" : `${c.ratio.toFixed(3)}x`} | ${bun === undefined ? "" : formatNs(bun.nsPerOp)} |`,
    );
  }
  for (const s of report.skipped) lines.push(`| skipped: ${s.group} | | | | | ${s.reason.replace(/\|/g, "\\|")} | |`);
  return `${lines.join("\n")}\n`;
}
