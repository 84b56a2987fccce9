/**
 * Walks the whole table recorded from Bun 1.4.5 (conformance/bun-1.4.5.json, the one copy in the repository; @ffi-kit/fuzz reads it too) and
 * compares every argument conversion, constant return and callback conversion with ours, against the same C
 * library (fixtures/conformance.c). Allowed differences (conformance README): cstring results are CString objects
 * (compared by string value); where Bun would crash we throw (none of these inputs crash Bun).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { dlopen, JSCallback, CString, type FFITypeName } from "@ffi-kit/core";
import { fixture } from "./support/fixtures.js";
import { printed, valueOfLabel } from "./support/labels.js";

interface Outcome {
  ok?: unknown;
  type?: string;
  err?: string;
  msg?: string;
  skip?: boolean;
}
const table = JSON.parse(readFileSync(new URL("./conformance/bun-1.4.5.json", import.meta.url), "utf8")) as {
  arguments: Record<string, Record<string, Outcome>>;
  returns: Record<string, unknown>;
  callbacks: {
    seen: Record<string, Array<[unknown, unknown, string]>>;
    returned: Record<string, Array<[unknown, unknown, string]>>;
    jsReturn: Record<string, Array<[string, unknown]>>;
  };
};

const path = fixture("conformance");
const types = Object.keys(table.arguments) as FFITypeName[];
const lib = dlopen(
  path,
  Object.fromEntries(types.map((t) => [`id_${t}`, { args: [t], returns: t }])) as Record<string, { args: [FFITypeName]; returns: FFITypeName }>,
);

function attempt(f: () => unknown): Outcome {
  try {
    const v = f();
    return { ok: printed(v), type: v === null ? "object" : typeof v };
  } catch (e) {
    return { err: (e as Error).constructor.name };
  }
}

describe("arguments: id_<type>(x) for every recorded input", () => {
  for (const type of types) {
    const rows = Object.entries(table.arguments[type]!).filter(([, o]) => !o.skip);
    it(`${type}: ${rows.length} inputs`, () => {
      const fn = lib.symbols[`id_${type}`] as (x: unknown) => unknown;
      const mismatches: string[] = [];
      for (const [label, expected] of rows) {
        const got = attempt(() => fn(valueOfLabel(label)));
        const want: Outcome = expected.err ? { err: expected.err } : { ok: expected.ok, type: expected.type };
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(`${type}(${label}): Bun ${JSON.stringify(want)}, ours ${JSON.stringify(got)}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(rows.length).toBeGreaterThan(30);
    });
  }
});

describe("returns: constant-returning functions", () => {
  const r = dlopen(path, {
    get_hello: { returns: "cstring" },
    null_str: { returns: "cstring" },
    u64_max: { returns: "u64" },
    i64_min: { returns: "i64" },
    i64_small: { returns: "i64" },
    u64_big: { returns: "u64_fast" },
    f32_third: { returns: "f32" },
  }).symbols;
  it("matches Bun value by value (cstring compared by string value)", () => {
    const hello = r.get_hello();
    expect(hello).toBeInstanceOf(CString);
    expect(String(hello)).toBe(table.returns.hello);
    expect(r.null_str()).toBe(table.returns.nullStr);
    expect(printed(r.u64_max())).toBe(table.returns.u64max);
    expect(printed(r.i64_min())).toBe(table.returns.i64min);
    expect(printed(r.i64_small())).toBe(table.returns.i64small);
    expect(printed(r.u64_big())).toBe(table.returns.u64big);
    expect(r.f32_third()).toBe(table.returns.f32third);
  });
});

const cbTypes = Object.keys(table.callbacks.seen) as FFITypeName[];
const cbLib = dlopen(
  path,
  Object.fromEntries(cbTypes.map((t) => [`cb_${t}`, { args: ["function", t], returns: t }])) as Record<
    string,
    { args: ["function", FFITypeName]; returns: FFITypeName }
  >,
);

function recordedValue(v: unknown): unknown {
  if (typeof v === "string") {
    if (v.endsWith("n")) return BigInt(v.slice(0, -1));
    if (v === "-0") return -0;
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
  }
  return v;
}

describe("callbacks: what the JS function sees and what comes back out", () => {
  for (const type of cbTypes) {
    it(`${type}`, () => {
      let seen: unknown;
      const cb = new JSCallback(
        (v: unknown) => {
          seen = v;
          return v;
        },
        { args: [type], returns: type },
      );
      const call = cbLib.symbols[`cb_${type}`] as (cb: unknown, x: unknown) => unknown;
      const seenRows = table.callbacks.seen[type]!;
      const returnedRows = table.callbacks.returned[type]!;
      seenRows.forEach(([input, value, kind], i) => {
        seen = Symbol("not called");
        const out = call(cb, recordedValue(input));
        expect([printed(seen), seen === null ? "object" : typeof seen]).toEqual([value, kind]);
        const [, rValue, rKind] = returnedRows[i]!;
        expect([printed(out), out === null ? "object" : typeof out]).toEqual([rValue, rKind]);
      });
      // The same through cb.ptr (the seed's performance tip).
      const [input] = seenRows[0]!;
      expect(printed(call(cb.ptr, recordedValue(input)))).toEqual(returnedRows[0]![1]);
      cb.close();
    });
  }
});

describe("callbacks: what C receives when the JS function returns an odd value", () => {
  for (const [type, rows] of Object.entries(table.callbacks.jsReturn) as Array<[FFITypeName, Array<[string, unknown]>]>) {
    it(`${type}: ${rows.map(([l]) => l).join(", ")}`, () => {
      const call = cbLib.symbols[`cb_${type}`] as (cb: unknown, x: unknown) => unknown;
      for (const [label, expected] of rows) {
        const value = valueOfLabel(label);
        using cb = new JSCallback(() => value, { args: [type], returns: type });
        const arg = type === "ptr" ? null : type === "i64" ? 0n : type === "bool" ? false : 0;
        if (typeof expected === "string" && expected.startsWith("ERR")) {
          // Bun throws a TypeError from the callback; it reaches the JS caller after the call returns.
          expect(() => call(cb, arg), `${type} returning ${label}`).toThrow(TypeError);
        } else {
          expect(printed(call(cb, arg)), `${type} returning ${label}`).toEqual(expected);
        }
      }
    });
  }
});
