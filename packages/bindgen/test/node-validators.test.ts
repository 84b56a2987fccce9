// Node-validator parity: .validateInt32/.validateUint32/.validateNumber/.validateInteger must accept exactly what
// Node's validators accept and throw exactly Node's errors. The oracle is Node itself: a child process run with
// --expose-internals calls require("internal/validators") and our bound functions (through real C) on the same inputs.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bind, fn, t } from "@ffi-kit/bindgen";
import { LIB, seed } from "./support.js";

const script = fileURLToPath(new URL("./fixtures/validator-parity.mjs", import.meta.url));

describe("Node validator parity (oracle: node --expose-internals internal/validators)", () => {
  it("same acceptance, class, code and message over specials and 1500 random inputs", () => {
    const child = spawnSync(process.execPath, ["--expose-internals", script, String(seed), "1500"], { encoding: "utf8", timeout: 50_000 });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout.trim().split("\n").pop()!) as { compared: number; mismatchCount: number; mismatches: unknown[] };
    expect(result.mismatches).toEqual([]);
    expect(result.mismatchCount).toBe(0);
    expect(result.compared).toBeGreaterThan(15_000);
  });

  it("throws Node's errors in this process too (spot checks)", () => {
    const lib = bind(LIB, {
      a: fn({ symbol: "echo_i32", args: { a: t.i32.validateInt32() }, ret: t.i32 }),
      c: fn({ symbol: "scale", args: { c: t.f64.validateNumber(-10000, 10000), k: t.f64 }, ret: t.f64 }),
    });
    expect(() => (lib.symbols.a as (v: unknown) => unknown)("1")).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: `The "a" argument must be of type number. Received type string ('1')` }),
    );
    expect(() => lib.symbols.a(2 ** 33)).toThrow(
      expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE", message: `The value of "a" is out of range. It must be >= -2147483648 && <= 2147483647. Received 8_589_934_592` }),
    );
    expect(() => lib.symbols.a(1.5)).toThrow(`The value of "a" is out of range. It must be an integer. Received 1.5`);
    expect(() => lib.symbols.c(NaN, 1)).toThrow(`The value of "c" is out of range. It must be >= -10000 && <= 10000. Received NaN`);
    expect(lib.symbols.c(-10000, 2)).toBe(-20000);
    lib.close();
  });
});
