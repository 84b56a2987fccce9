/**
 * Memcheck over every core path that touches native memory (fixtures/valgrind-scenario.mjs), with a negative
 * control that must be caught. koffi's own stack switching is suppressed narrowly (fixtures/koffi.supp: only
 * errors whose innermost frame is inside koffi.node), and so is V8's own work (fixtures/v8.supp: only errors whose
 * innermost frame is in V8's optimising compiler or GC tracer). Runs when valgrind is installed; CI installs it.
 */
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fixture } from "./support/fixtures.js";

const hasValgrind = spawnSync("valgrind", ["--version"]).status === 0;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Runs a script under memcheck, asynchronously, so that the two runs below overlap. */
function memcheck(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "valgrind",
      ["--error-exitcode=99", "--leak-check=no", `--suppressions=${here("./fixtures/koffi.supp")}`, `--suppressions=${here("./fixtures/v8.supp")}`, process.execPath, here(script), fixture("ffi")],
      { cwd: here("..") },
    );
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe.runIf(hasValgrind || process.env.CI).concurrent("under valgrind memcheck", () => {
  it("every core path over native memory runs with 0 errors", async () => {
    const r = await memcheck("./fixtures/valgrind-scenario.mjs");
    expect(r.stdout).toMatch(/^scenario done \d/m);
    expect(r.stderr).toMatch(/ERROR SUMMARY: 0 errors/);
    expect(r.status).toBe(0);
  }, 300_000);

  it("the negative control (a read one byte past a block) is reported", async () => {
    const r = await memcheck("./fixtures/valgrind-control.mjs");
    expect(r.stdout).toMatch(/^control read 15 /m);
    expect(r.stderr).toMatch(/Invalid read of size 1/);
    expect(r.status).toBe(99);
  }, 300_000);
});
