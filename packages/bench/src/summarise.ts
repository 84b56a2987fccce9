/** Turns raw measurements of a group into report cases: figures, margin of error and ratios to the reference. */
import type { GroupSpec, PathMeasurement } from "./measure.js";
import type { CaseResult } from "./schema.js";
import { mean, median, relativeMarginOfError } from "./statistics.js";

/** The report cases of one measured group. */
export function summariseGroup(group: GroupSpec, measured: readonly PathMeasurement[]): CaseResult[] {
  const ref = measured.find((m) => m.path === group.reference);
  if (ref === undefined) throw new Error(`group ${group.group}: reference path "${group.reference}" was not measured`);
  return measured.map((m) => {
    const ratioSamples = m.roundNs.map((ns, i) => ns / ref.roundNs[i]!);
    const ns = mean(m.sampleNs);
    return {
      case: `${group.group}/${m.path}`,
      group: group.group,
      path: m.path,
      title: group.title,
      reference: `${group.group}/${group.reference}`,
      opsPerSec: 1e9 / ns,
      nsPerOp: ns,
      rme: relativeMarginOfError(m.sampleNs),
      samples: m.sampleNs.length,
      ratio: median(ratioSamples),
      ratioSamples,
    };
  });
}
