// One scenario under valgrind memcheck (test/fixtures/valgrind-scenario.mjs): dispose, double dispose, GC of own()
// views and deallocator buffers, scopes, copying mode, and allocations still live at exit. It carries two
// positive controls - one read of freed memory in C, one 24-byte allocation never freed - so the test checks that
// memcheck catches both kinds of bug here, and that they are the only errors: no invalid read, write or free, and
// nothing definitely lost, comes from @ffi-kit/memory. valgrind is required (CI installs it).
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fixtures } from "./child-process.js";

function valgrindVersion(): string | undefined {
  const r = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

describe("valgrind memcheck", () => {
  it("finds no invalid access and nothing definitely lost, besides the two planted controls", () => {
    const version = valgrindVersion();
    expect(version, "valgrind is not installed: apt-get install valgrind (CI installs it)").toBeDefined();
    const r = spawnSync(
      "valgrind",
      [
        "--leak-check=full",
        "--show-leak-kinds=definite,indirect",
        "--errors-for-leak-kinds=definite,indirect",
        "--num-callers=12",
        `--suppressions=${fixtures}valgrind.supp`,
        process.execPath,
        "--jitless", // about a third faster under valgrind; the native paths are the same
        "--expose-gc",
        `${fixtures}valgrind-scenario.mjs`,
      ],
      { encoding: "utf8", env: { ...process.env, VALGRIND_CONTROL: "1", CA_REPORT_AT_EXIT: "1" }, timeout: 180_000 },
    );
    const log = r.stderr;
    expect(r.status, log).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { counts: { badFrees: number } };
    expect(out.counts.badFrees).toBe(0);
    // The controls were seen...
    expect(log).toMatch(/Invalid read of size 1\n==\d+==\s+at 0x[0-9A-F]+: ca_peek \(counting_alloc\.c:\d+\)/);
    expect(log).toMatch(/definitely lost: 40 bytes in 1 blocks/); // the planted 24-byte allocation (+16 header)
    // ...and nothing else: exactly two error contexts, no other invalid access, nothing else lost.
    expect(log).toMatch(/ERROR SUMMARY: 2 errors from 2 contexts/);
    expect(log.match(/Invalid (read|write|free)/g)).toEqual(["Invalid read"]);
    expect(log).not.toMatch(/Mismatched free|Conditional jump|uninitialised/);
    expect(log).toMatch(/indirectly lost: 0 bytes in 0 blocks/);
    // All but the planted leak went back to the allocator (the exit handler freed what was still live).
    expect(log).toMatch(/counting_alloc: allocs=(\d+) frees=(\d+) bad_frees=0 live=1 bytes_live=24/);
  }, 180_000);
});
