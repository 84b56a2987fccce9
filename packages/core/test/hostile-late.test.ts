/**
 * Hostile input against the readers' fast paths and the generated wrappers: addresses at the end of user space,
 * user code that runs between the closed check (or an earlier conversion) and the native call, and declarations
 * that koffi would refuse without a code. Same harness as hostile.test.ts: each case runs in its own process.
 */
import { describe, expect, it } from "vitest";
import { runCase } from "./support/hostile-child.js";

type Case = readonly [name: string, expression: string, expected: string];
function check(body: string, expected: string): void {
  const r = runCase(body);
  expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, signal: null, stdout: expected, stderr: "" });
}
const INVALID = "TypeError ERR_FFI_INVALID_POINTER";

describe("read.* (read.ts)", () => {
  const cases: Case[] = [];
  for (const [label, a] of [["2**47 / LIMIT", "LIMIT"], ["2**53-8", "2 ** 53 - 8"]]) {
    for (const r of ["u8", "i32", "u64", "f64", "ptr"]) cases.push([`read.${r}(${label})`, `read.${r}(${a})`, INVALID]);
  }
  cases.push(["read.u64(LIMIT - 4)", "read.u64(LIMIT - 4)", "RangeError ERR_OUT_OF_RANGE"]);
  it.each(cases)("%s", (_n, e, x) => check(`console.log(outcome(() => ${e}));`, x));
});

describe("ptr() fast path (pointer.ts)", () => {
  it("ptr() of a view seen before, detached, with a forged length: no stale address", () => {
    check(`const v = new Uint8Array(16); ptr(v); detached(v); Object.defineProperty(v, "length", { value: 16 }); console.log(outcome(() => ptr(v)));`, "TypeError ERR_INVALID_ARG_VALUE");
  });
});

// A getter that detaches an earlier argument's buffer: the detached view is refused (ERR_INVALID_ARG_VALUE), or the
// engine refuses the transfer inside the getter (Node 22: DataCloneError, code 25); "ok -1" would mean C got NULL.
describe("user code between the closed check and the native call (code generator)", () => {
  const cases: Case[] = [
    ["a JSCallback ptr getter that closes the library", `(() => { const lib = dlopen(FIXTURE, { call_cb_n: { args: ["function", "i32"], returns: "i32" } }); const cb = new JSCallback((i) => i, { args: ["i32"], returns: "i32" }); const real = cb.ptr; Object.defineProperty(cb, "ptr", { get() { lib.close(); return real; } }); return lib.symbols.call_cb_n(cb, 3); })()`, "Error ERR_FFI_LIBRARY_CLOSED"],
    ["a CString subclass byteOffset getter that closes the library", `(() => { const lib = dlopen(HOSTILE, { fill_checked: { args: ["ptr", "i32"], returns: "i32" } }); const s = new CString(p, 0, 0); Object.defineProperty(s, "byteOffset", { get() { lib.close(); return 0; } }); return lib.symbols.fill_checked(s, 4); })()`, "Error ERR_FFI_LIBRARY_CLOSED"],
    ["a Proxy's getPrototypeOf trap that closes the library", `(() => { const lib = dlopen(HOSTILE, { fill_checked: { args: ["ptr", "i32"], returns: "i32" } }); const pr = new Proxy({}, { getPrototypeOf() { lib.close(); return Object.prototype; } }); return lib.symbols.fill_checked(pr, 4); })()`, "TypeError ERR_INVALID_ARG_TYPE"],
    ["a later JSCallback's ptr getter detaches an earlier view", `(() => { const lib = dlopen(HOSTILE, { write_both: { args: ["ptr", "ptr"], returns: "i32" } }); const a = new Uint8Array(16); const cb = new JSCallback(() => {}, { returns: "void" }); const real = cb.ptr; Object.defineProperty(cb, "ptr", { get() { detached(a); return real; } }); const o = outcome(() => lib.symbols.write_both(a, cb)); return o === "TypeError ERR_INVALID_ARG_VALUE" || o === "Error 25" ? "refused" : o; })()`, "ok refused"],
  ];
  it.each(cases)("%s", (_n, e, x) => check(`console.log(outcome(() => ${e}));`, x));
});

describe("symbol names and declarations (code generator)", () => {
  const cases: Case[] = [];
  for (const name of ["delete", "eval", "class", "new", "function"]) {
    cases.push([`dlopen binds a symbol named ${name}`, `dlopen(HOSTILE, { ${JSON.stringify(name)}: { returns: "i32" } }).symbols[${JSON.stringify(name)}]()`, `ok ${["delete", "eval", "class", "new", "function"].indexOf(name) + 1}`]);
    cases.push([`linkSymbols binds a symbol named ${name}`, `linkSymbols({ ${JSON.stringify(name)}: { ptr: F.address_of_add_i32(), args: ["i32", "i32"], returns: "i32" } }).symbols[${JSON.stringify(name)}](2, 3)`, "ok 5"]);
  }
  cases.push(["a symbol name with an embedded NUL is refused", `dlopen(HOSTILE, { "delete\\u0000junk": { returns: "i32" } })`, "TypeError ERR_INVALID_ARG_VALUE"]);
  cases.push(["more parameters than koffi takes give a coded error", `new CFunction({ ptr: F.address_of_add_i32(), args: Array(65).fill("i32"), returns: "i32" })`, "Error ERR_FFI_TOO_MANY_ARGUMENTS"]);
  cases.push(["a sparse args array gives a coded error", `new CFunction({ ptr: F.address_of_add_i32(), args: [, "i32"], returns: "i32" })`, "Error ERR_FFI_INVALID_SIGNATURE"]);
  it.each(cases)("%s", (_n, e, x) => check(`console.log(outcome(() => ${e}));`, x));
});
