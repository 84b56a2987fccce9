/**
 * Runs one hostile-input case in its own Node process, so that a crash fails that case and not the test run.
 * The case's code sees core's exports, `H` (the hostile fixture's symbols; `HB` declares fill_checked with a `buffer` argument), `F` (the main fixture's), `LIBC`,
 * `LIMIT` (the end of user space on this machine) and `outcome(f)`, which describes what `f()` did: `ok <type>`, or `<TypeError|RangeError|Error> <code>`.
 */
import { spawnSync } from "node:child_process";
import { fixture } from "./fixtures.js";

// The machine's user-space limit as core computed it (from core's build: not an entry other packages use).
const addressSpace = new URL("../../dist/address-space.js", import.meta.url).href;

const prelude = `
import * as core from "@ffi-kit/core";
import { USER_ADDRESS_LIMIT as LIMIT } from ${JSON.stringify(addressSpace)};
const { dlopen, read, ptr, toArrayBuffer, toBuffer, CString, CFunction, linkSymbols, JSCallback, FFIError, suffix } = core;
const HOSTILE = process.env.HOSTILE, FIXTURE = process.env.FIXTURE, THREADS = process.env.THREADS;
const hostile = dlopen(HOSTILE, {
  kernel_half_string: { returns: "cstring" },
  low_page_string: { returns: "cstring" },
  write_both: { args: ["ptr", "ptr"], returns: "i32" },
  fill_checked: { args: ["ptr", "i32"], returns: "i32" },
});
const H = hostile.symbols;
const HB = dlopen(HOSTILE, { fill_checked: { args: ["buffer", "i32"], returns: "i32" } }).symbols;
const F = dlopen(FIXTURE, {
  is_null: { args: ["ptr"], returns: "bool" },
  call_cb_n: { args: ["function", "i32"], returns: "i32" },
  fixture_malloc: { args: ["usize"], returns: "ptr" },
  address_of_add_i32: { returns: "ptr" },
}).symbols;
const kind = (e) => e instanceof TypeError ? "TypeError" : e instanceof RangeError ? "RangeError" : e instanceof Error ? "Error" : typeof e;
const outcome = (f) => {
  try {
    const v = f();
    return "ok " + (v === null ? "null" : typeof v === "object" || typeof v === "function" ? v.constructor.name : typeof v === "bigint" ? v + "n" : String(v));
  } catch (e) {
    return kind(e) + " " + e?.code;
  }
};
const detached = (v) => { structuredClone(v.buffer, { transfer: [v.buffer] }); return v; };
const p = F.fixture_malloc(64);
`;

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the ES module `source` in a fresh Node process, in core's folder, with the fixtures' paths in `HOSTILE`,
 * `FIXTURE` and `THREADS` (60 s timeout). Output is returned as printed.
 */
export function runModule(source: string, timeout = 60_000): ChildResult {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], {
    encoding: "utf8",
    env: { ...process.env, HOSTILE: fixture("hostile"), FIXTURE: fixture("ffi"), THREADS: fixture("threads") },
    cwd: new URL("../..", import.meta.url).pathname,
    timeout,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `body` after the prelude in a fresh Node process (60 s timeout); output trimmed. */
export function runCase(body: string, timeout = 60_000): ChildResult {
  const r = runModule(prelude + body, timeout);
  return { ...r, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}
