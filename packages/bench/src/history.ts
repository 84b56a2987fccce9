/** The run history: one JSON line per run (`history.jsonl`), the input of the per-case trend charts. */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { BenchReport } from "./schema.js";

/** One run in the history file. */
export interface HistoryLine {
  readonly startedAt: string;
  readonly mode: "full" | "ci";
  readonly commit: string | undefined;
  readonly node: string;
  readonly loadavg: number;
  /** Injected slowdowns of that run (empty for a real measurement). */
  readonly injectedSlowdowns: Readonly<Record<string, number>>;
  readonly cases: Readonly<Record<string, { readonly nsPerOp: number; readonly ratio: number; readonly rme: number }>>;
}

/** The history line of a report. */
export function historyLine(report: BenchReport): HistoryLine {
  const cases: Record<string, { nsPerOp: number; ratio: number; rme: number }> = {};
  for (const c of report.cases) cases[c.case] = { nsPerOp: Number(c.nsPerOp.toPrecision(5)), ratio: Number(c.ratio.toPrecision(5)), rme: Number(c.rme.toFixed(2)) };
  for (const c of report.bun.cases) cases[`bun:${c.case}`] = { nsPerOp: Number(c.nsPerOp.toPrecision(5)), ratio: Number(c.ratio.toPrecision(5)), rme: Number(c.rme.toFixed(2)) };
  return {
    startedAt: report.startedAt,
    mode: report.mode,
    commit: report.commit,
    node: report.runtime.version,
    loadavg: report.machine.loadavg,
    injectedSlowdowns: report.injectedSlowdowns,
    cases,
  };
}

/** Appends a run to the history file. */
export function appendHistory(file: string, report: BenchReport): void {
  appendFileSync(file, `${JSON.stringify(historyLine(report))}\n`);
}

/** Reads the history file; lines that do not parse are skipped (a crash mid-write must not lose the rest). */
export function readHistory(file: string): HistoryLine[] {
  if (!existsSync(file)) return [];
  const out: HistoryLine[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as HistoryLine);
    } catch {
      // skip a torn line
    }
  }
  return out;
}
