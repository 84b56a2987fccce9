import { afterAll, describe, it, expect } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseBaseline, baselineMajors, nodeMajor, confirmComparison, type Comparison, type CaseComparison } from "@ffi-kit/bench";

describe("choosing the baseline of the running Node major", () => {
  const dir = mkdtempSync(join(tmpdir(), "ffi-kit-bench-baselines-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ["ci-node20.json", "ci-node24.json", "full-node22.json", "ci-node.json", "notes.txt"]) writeFileSync(join(dir, f), "{}");

  it("finds the majors of each mode", () => {
    expect(baselineMajors(dir, "ci")).toEqual([20, 24]);
    expect(baselineMajors(dir, "full")).toEqual([22]);
    expect(baselineMajors(join(dir, "missing"), "ci")).toEqual([]);
  });
  it("takes the running major's own baseline", () => {
    expect(chooseBaseline(dir, "ci", 24)).toMatchObject({ file: join(dir, "ci-node24.json"), major: 24, exact: true });
  });
  it("falls back to the nearest older major, else the nearest newer one, and says so", () => {
    const c = chooseBaseline(dir, "ci", 22)!;
    expect(c).toMatchObject({ file: join(dir, "ci-node20.json"), major: 20, exact: false });
    expect(c.note).toContain("no baseline for Node 22 (there are: ci-node20.json, ci-node24.json)");
    expect(c.note).toContain("twice the threshold");
    expect(chooseBaseline(dir, "ci", 26)).toMatchObject({ major: 24, exact: false });
    expect(chooseBaseline(dir, "ci", 18)).toMatchObject({ major: 20, exact: false });
    expect(chooseBaseline(dir, "full", 30)).toMatchObject({ major: 22, exact: false });
  });
  it("none at all", () => {
    expect(chooseBaseline(join(dir, "missing"), "ci", 22)).toBeUndefined();
  });
  it("reads Node versions", () => {
    expect(nodeMajor("v26.12.1")).toBe(26);
    expect(nodeMajor()).toBe(Number(process.versions.node.split(".")[0]));
    expect(() => nodeMajor("nope")).toThrow("not a Node version");
  });
});

describe("the confirmation round", () => {
  const result = (p: number) => ({ test: "welch" as const, statistic: 5, df: 10, p });
  const caseOf = (id: string, verdict: CaseComparison["verdict"], change: number, p: number): CaseComparison => ({
    case: id, reference: `${id.split("/")[0]}/koffi`, baselineRatio: 1, currentRatio: 1 + change, change, result: result(p), verdict,
  });
  const first: Comparison = {
    options: { threshold: 0.35, alpha: 0.05, test: "welch" },
    cases: [caseOf("read_u8/core-read", "regression", 0.47, 1e-4), caseOf("add_i32/core-symbol", "regression", 1.0, 1e-9), caseOf("noop/core-symbol", "unchanged", 0.02, 0.6)],
    missingInBaseline: [],
    regressions: 2,
    improvements: 0,
  };
  it("keeps a regression only when the re-measurement agrees", () => {
    const again: Comparison = { ...first, cases: [caseOf("read_u8/core-read", "unchanged", 0.05, 0.3), caseOf("add_i32/core-symbol", "regression", 0.98, 1e-10)], regressions: 1 };
    const final = confirmComparison(first, again, 8);
    expect(final.regressions).toBe(1);
    expect(final.confirmed).toEqual(["read_u8/core-read", "add_i32/core-symbol"]);
    expect(final.cases.map((c) => c.verdict)).toEqual(["not confirmed", "regression", "unchanged"]);
    expect(final.cases[0]!.confirmation).toMatchObject({ change: 0.05, rounds: 8 });
    expect(final.cases[2]!.confirmation).toBeUndefined();
  });
});
