#!/usr/bin/env node
// Runs @ffi-kit/memory's free paths under Bun (test/fixtures/bun-scenario.mjs) and checks with the counting
// allocator that every allocation is freed exactly once: dispose, garbage collection and exit.
//
//   node packages/memory/scripts/bun-check.mjs            # bun from BUN_BINARY, else from PATH
//   BUN_BINARY=/path/to/bun node packages/memory/scripts/bun-check.mjs
//
// Exits 0 when every scenario passed, 1 when one failed, 2 when no Bun binary was found. Build the repository
// first (`pnpm build`). A Bun binary ships in the npm package @oven/bun-<platform>-<arch> (bin/bun).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const scenario = fileURLToPath(new URL("../test/fixtures/bun-scenario.mjs", import.meta.url));
const bun = process.env.BUN_BINARY || "bun";
const version = spawnSync(bun, ["--version"], { encoding: "utf8" });
if (version.status !== 0) {
  console.error(`bun-check: no Bun binary (tried ${JSON.stringify(bun)}); set BUN_BINARY to one`);
  process.exit(2);
}
console.log(`bun-check: Bun ${version.stdout.trim()}`);

let failed = 0;
for (const step of ["dispose", "gc", "exit", "all"]) {
  const r = spawnSync(bun, [scenario, step], { encoding: "utf8", env: { ...process.env, CA_REPORT_AT_EXIT: "1" }, timeout: 60_000 });
  const report = r.stderr.split("\n").filter((l) => l.startsWith("counting_alloc:")).at(-1) ?? "(no allocator report)";
  const m = /allocs=(\d+) frees=(\d+) bad_frees=(\d+) live=(\d+)/.exec(report);
  const ok = r.status === 0 && r.signal === null && m !== null && m[1] === m[2] && m[3] === "0" && m[4] === "0";
  if (!ok) failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${step.padEnd(8)} status=${r.status} signal=${r.signal} ${report}`);
  if (!ok) console.log(r.stderr.split("\n").slice(-15).join("\n"));
}
process.exit(failed === 0 ? 0 : 1);
