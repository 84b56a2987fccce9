// Model-based test (fc.commands): the model and its commands live in test/fixtures/model.mjs, run in a child
// `node --expose-gc` (the gc command forces collections). The child prints its seed; replay a failure with
// FC_SEED=<seed>.
import { describe, it, expect } from "vitest";
import { lastJson, runChild } from "./child-process.js";

describe("model-based (fc.commands)", () => {
  it("alloc / view / dispose / drop / gc / read keep every invariant", () => {
    const env: Record<string, string> = {};
    if (process.env.FC_SEED !== undefined) env.FC_SEED = process.env.FC_SEED;
    const r = runChild("model.mjs", [], env);
    const seedLine = r.stdout.split("\n").find((l) => l.startsWith("model.mjs: fast-check seed="));
    console.log(seedLine ?? "model.mjs printed no seed");
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const result = lastJson<{ runs: number; commandsRun: number; counts: { allocs: number; frees: number; badFrees: number; live: number } }>(r.stdout);
    expect(result.runs).toBe(150);
    expect(result.commandsRun).toBeGreaterThan(1000);
    expect(result.counts.badFrees).toBe(0);
    expect(result.counts.live).toBe(0);
    expect(result.counts.frees).toBe(result.counts.allocs);
  });
});
