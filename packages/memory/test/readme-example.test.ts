// The README's runnable sample (examples/readme.mjs) prints what the README says it prints.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

describe("README sample", () => {
  it("runs and prints the documented output", () => {
    const script = fileURLToPath(new URL("../examples/readme.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["7 16", "0", "1.5 0"]);
  });
});
