/**
 * Child process of {@link runFastEngineGroups}: measures the fast-engine groups named in its argument (a JSON
 * object of groups and measure settings) and prints their cases as one JSON line. No callback is registered here.
 */
import { measureGroup, type Clock, type MeasureOptions } from "./measure.js";
import { summariseGroup } from "./summarise.js";
import { fastEngineCases } from "./fast-engine-groups.js";
import { applySlowdown, parseSlowdowns } from "./slowdown.js";
import { loadFloorAddon } from "./native-library.js";
import type { CaseResult } from "./schema.js";

const settings = JSON.parse(process.argv[2] ?? "{}") as { groups: string[]; rounds: number; maxTime: number; minTime: number; minSamples: number; clock: "wall" | "thread-cpu" };
const measure: MeasureOptions = { rounds: settings.rounds, maxTime: settings.maxTime, minTime: settings.minTime, minSamples: settings.minSamples, clock: settings.clock === "wall" ? { name: "wall", hrtime: process.hrtime as Clock["hrtime"] } : { name: "thread-cpu", hrtime: loadFloorAddon().threadCpuHrtime as Clock["hrtime"] } };
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const slowdowns = parseSlowdowns();
const built = fastEngineCases();
const cases: CaseResult[] = [];
try {
  for (const g of built.groups) {
    if (!settings.groups.includes(g.group)) continue;
    const spec = { ...g, paths: g.paths.map((p) => applySlowdown(g.group, p, slowdowns)) };
    cases.push(...summariseGroup(spec, measureGroup(spec, measure, log)));
  }
} finally {
  built.close();
}
process.stdout.write(`${JSON.stringify(cases)}\n`);
