/**
 * Baselines per Node major: V8 changes what a path costs relative to raw koffi from one major to the next, so a
 * run is judged against a baseline measured on the same major (`baseline/<mode>-node<major>.json`). Each baseline
 * records the CPU model and the Node version it ran on.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The major version of a Node version string (`v22.23.5` → 22). */
export function nodeMajor(version: string = process.version): number {
  const m = /^v?(\d+)\./.exec(version);
  if (m === null) throw new Error(`not a Node version: ${JSON.stringify(version)}`);
  return Number(m[1]);
}

/** `ci-node22.json`, `full-node24.json`. */
export function baselineFileName(mode: "ci" | "full", major: number): string {
  return `${mode}-node${major}.json`;
}

/** Which baseline a run uses, and why. */
export interface BaselineChoice {
  readonly file: string;
  /** The Node major the baseline was measured on. */
  readonly major: number;
  /** True when the baseline is of the running major; false for a fallback to the nearest other major. */
  readonly exact: boolean;
  /** One line for the log. */
  readonly note: string;
}

/** The majors that have a baseline of `mode` in `dir`, ascending. */
export function baselineMajors(dir: string, mode: "ci" | "full"): number[] {
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${mode}-node(\\d+)\\.json$`);
  return readdirSync(dir)
    .map((f) => re.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * The baseline for the running major, else the nearest older major's (a newer V8 is more often the one a user
 * moves to), else the nearest newer one; `undefined` when the folder has none of this mode.
 *
 * @example
 * chooseBaseline("baseline", "ci", 23) // ci-node22.json when there is no ci-node23.json
 */
export function chooseBaseline(dir: string, mode: "ci" | "full", major: number = nodeMajor()): BaselineChoice | undefined {
  const majors = baselineMajors(dir, mode);
  if (majors.length === 0) return undefined;
  if (majors.includes(major)) {
    return { file: join(dir, baselineFileName(mode, major)), major, exact: true, note: `baseline for Node ${major}: ${baselineFileName(mode, major)}` };
  }
  const older = majors.filter((m) => m < major);
  const pick = older.length > 0 ? older.at(-1)! : majors[0]!;
  return {
    file: join(dir, baselineFileName(mode, pick)),
    major: pick,
    exact: false,
    note:
      `no baseline for Node ${major} (there are: ${majors.map((m) => baselineFileName(mode, m)).join(", ")}); ` +
      `comparing with ${baselineFileName(mode, pick)} at twice the threshold, since ratios move between V8 versions. ` +
      `Record one with \`ffi-kit-bench ${mode === "ci" ? "ci" : "compare"} --update-baseline\` under Node ${major}.`,
  };
}
