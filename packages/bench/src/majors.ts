/**
 * The Node majors side by side: every run writes its report as `report-<mode>-node<major>.json` (the latest real
 * run of that major), and the table and chart put the ratio of each case to its reference next to each other.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchReport } from "./schema.js";
import { formatNs } from "./markdown-report.js";

/** `report-full-node22.json`. */
export function majorReportFile(mode: "ci" | "full", major: number): string {
  return `report-${mode}-node${major}.json`;
}

/** The per-major reports of `mode` in `dir`, oldest major first. */
export function readMajorReports(dir: string, mode: "ci" | "full"): BenchReport[] {
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^report-${mode}-node(\\d+)\\.json$`);
  return readdirSync(dir)
    .map((f) => ({ f, m: re.exec(f) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .flatMap(({ f }) => {
      try {
        const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as BenchReport;
        return r.schema === "ffi-kit-bench/1" && Array.isArray(r.cases) ? [r] : [];
      } catch {
        return [];
      }
    });
}

/** The cases of all reports in first-seen order, with each group's title and reference. */
export function unionCases(reports: readonly BenchReport[]): { case: string; group: string; title: string; reference: string }[] {
  const seen = new Map<string, { case: string; group: string; title: string; reference: string }>();
  for (const r of reports) for (const c of r.cases) if (!seen.has(c.case)) seen.set(c.case, { case: c.case, group: c.group, title: c.title, reference: c.reference });
  // Keep groups together in the order of the first report that has them.
  const groups = [...new Set([...seen.values()].map((c) => c.group))];
  return groups.flatMap((g) => [...seen.values()].filter((c) => c.group === g));
}

/**
 * The Markdown table: one column per Node major, each cell the ratio to the group's reference (and ns/op).
 *
 * @example
 * console.log(majorsMarkdown(readMajorReports("results", "full")));
 */
export function majorsMarkdown(reports: readonly BenchReport[]): string {
  if (reports.length === 0) return "No per-major reports yet: run `ffi-kit-bench run` (or `ci`) under each Node version.\n";
  const lines: string[] = [];
  lines.push(`ffi-kit bench by Node major (${reports[0]!.mode}): ratio to each group's reference in the same run (ns/op in brackets)`);
  for (const r of reports) {
    lines.push(
      `- Node ${r.runtime.version} (${r.runtime.engine}), koffi ${r.runtime.koffi}: ${r.machine.cpus}× ${r.machine.cpu}, load ${r.machine.loadavg}, ` +
        `${r.settings.rounds} rounds, ${r.settings.clock} clock; ${r.startedAt}${r.commit === undefined ? "" : `, ${r.commit}`}`,
    );
  }
  lines.push("");
  const majors = reports.map((r) => r.runtime.version.replace(/^v(\d+).*/, "$1"));
  lines.push(`| case | ${majors.map((m) => `Node ${m}`).join(" | ")} |`);
  lines.push(`|---|${majors.map(() => "---:").join("|")}|`);
  const byReport = reports.map((r) => new Map(r.cases.map((c) => [c.case, c])));
  let group = "";
  for (const c of unionCases(reports)) {
    if (c.group !== group) {
      group = c.group;
      lines.push(`| **${c.title}** (reference: ${c.reference.split("/")[1]}) | ${majors.map(() => "").join(" | ")} |`);
    }
    const cells = byReport.map((m) => {
      const x = m.get(c.case);
      if (x === undefined) return "–";
      return x.case === x.reference ? `1 (${formatNs(x.nsPerOp)} ns)` : `${x.ratio.toFixed(3)}x (${formatNs(x.nsPerOp)} ns)`;
    });
    lines.push(`| ${c.case} | ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
