import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CFunction, JSCallback, dlopen, linkSymbols, ptr, read, viewSource } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";

/** The `at ...` lines of an error's stack. */
function frames(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    return String((e as Error).stack).split("\n").filter((l) => /^\s+at /.test(l));
  }
  throw new Error("did not throw");
}

describe("error stacks start at the user's call", () => {
  it("for declarations: dlopen, linkSymbols, CFunction, JSCallback, viewSource", () => {
    const cases: Array<() => unknown> = [
      () => dlopen(fixture("ffi"), { no_such_symbol: { args: [], returns: "i32" } }),
      () => dlopen(fixture("ffi"), { add_i32_via_pointer: { args: Array(65).fill("i32"), returns: "i32" } }),
      () => linkSymbols({ f: { ptr: Infinity, args: [], returns: "i32" } }),
      () => new CFunction({ ptr: 4096, args: ["nope" as never], returns: "i32" }),
      () => new JSCallback(() => 0, { args: ["buffer"], returns: "i32" }),
      () => viewSource({ f: { args: ["nope" as never] } }),
    ];
    for (const f of cases) expect(frames(f)[0]).toContain("errors.test.ts");
  });

  it("for calls with a bad argument, read.* and ptr(): the user's frame first, on fast and slow paths", () => {
    const lib = dlopen(fixture("ffi"), {
      add_i32_via_pointer: { args: ["i32", "i32"], returns: "i32" },
      identity_ptr: { args: ["ptr"], returns: "ptr" },
    });
    const bytes = new Uint8Array(8);
    // Warm every path first, so the optimised code throws too.
    for (let i = 0; i < 20000; i++) lib.symbols.identity_ptr(bytes), read.u8(ptr(bytes), i & 7);
    const cases: Array<() => unknown> = [
      () => lib.symbols.add_i32_via_pointer(1, Symbol() as never),
      () => lib.symbols.identity_ptr("x" as never),
      () => lib.symbols.identity_ptr({} as never),
      () => read.u8(16),
      () => read.i64(2n ** 63n),
      () => read.f64(ptr(bytes), 0.5),
      () => ptr(5 as never),
      () => ptr(bytes, 99),
    ];
    for (const f of cases) expect(frames(f)[0]).toContain("errors.test.ts");
    lib.close();
  });

  it("an error user code throws during a conversion keeps its own stack", () => {
    const lib = dlopen(fixture("ffi"), { identity_ptr: { args: ["ptr"], returns: "ptr" } });
    const mine = Object.assign(new Error("mine"), { code: "ERR_MINE" });
    const stack = mine.stack;
    const cb = new JSCallback(() => 0, { args: [], returns: "i32" });
    const fake = Object.create(cb, { ptr: { get: () => { throw mine; } } });
    expect(() => lib.symbols.identity_ptr(fake)).toThrow(mine);
    expect(mine.stack).toBe(stack);
    cb.close();
    lib.close();
  });

  it("for a call of a closed library: the wrapper the user called, then the user's frame", () => {
    const lib = dlopen(fixture("ffi"), { add_i32_via_pointer: { args: ["i32", "i32"], returns: "i32" } });
    lib.close();
    const [first, second] = frames(() => lib.symbols.add_i32_via_pointer(1, 2));
    expect(first).toMatch(/at (Object\.)?add_i32_via_pointer \(ffi-kit:\/\/.*libffi\.\w+\/add_i32_via_pointer\.js:\d+:\d+\)/);
    expect(second).toContain("errors.test.ts");
  });
});

describe("the table of error codes", () => {
  it("the root README lists every ERR_FFI_ code any package throws, and FFIErrorCode declares each", () => {
    const packages = fileURLToPath(new URL("../../", import.meta.url));
    const thrown = new Set<string>();
    for (const pkg of readdirSync(packages)) {
      let files: string[];
      try {
        files = readdirSync(`${packages}${pkg}/src`).filter((f) => f.endsWith(".ts"));
      } catch {
        continue;
      }
      for (const f of files) for (const m of readFileSync(`${packages}${pkg}/src/${f}`, "utf8").matchAll(/"(ERR_FFI_[A-Z0-9_]+)"/g)) thrown.add(m[1]!);
    }
    expect(thrown.size).toBeGreaterThan(10);
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const errors = readFileSync(new URL("../src/errors.ts", import.meta.url), "utf8");
    const undocumented = [...thrown].filter((c) => !readme.includes(`| \`${c}\``));
    const undeclared = [...thrown].filter((c) => !errors.includes(`"${c}"`));
    expect({ undocumented, undeclared }).toEqual({ undocumented: [], undeclared: [] });
  });
});
