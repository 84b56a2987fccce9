// Hostile schemas and hostile native returns. Every case runs in its own Node process: a crash (a segfault on a
// bad pointer, an abort inside koffi) fails that one test, with the signal and stderr, instead of the whole run.
import { describe, it, expect, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LIB } from "./support.js";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const scratch = join(pkg, "test", ".hostile-tmp");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const prelude = `
import { bind, fn, t } from "@ffi-kit/bindgen";
const LIB = process.env.LIB;
const show = (v) => (typeof v === "bigint" ? String(v) + "n" : v === undefined ? "undefined" : v);
const attempt = (f) => {
  try {
    return { ok: true, value: show(f()) };
  } catch (e) {
    return { ok: false, name: e?.name, code: e?.code, message: String(e?.message) };
  }
};
const report = (x) => process.stdout.write("\\nRESULT " + JSON.stringify(x) + "\\n");
`;

type Outcome = { ok: boolean; value?: unknown; name?: string; code?: string; message?: string };

/** Runs `body` (ES module code after the prelude; it calls `report(...)` once) in a fresh Node process. */
function inChild(body: string): any {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", prelude + body], {
    cwd: pkg,
    encoding: "utf8",
    timeout: 50_000,
    env: { ...process.env, LIB, SCRATCH: scratch },
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || line === undefined) {
    throw new Error(`child failed: status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return JSON.parse(line.slice("RESULT ".length));
}

const coded = (code: string) => expect.objectContaining({ ok: false, code });

describe("forged and mutated schema objects", () => {
  it("an object with the public brand and a made-up spec is not a type", () => {
    const r = inChild(`
      const brand = Symbol.for("@ffi-kit/bindgen.type");
      const forged = (spec) => ({ [brand]: true, spec, presence: { kind: "none" } });
      report([
        attempt(() => fn({ args: { a: forged({ kind: "float", name: "f16", mode: "plain" }) }, ret: t.f64 })),
        attempt(() => fn({ args: { a: forged({ kind: "string", name: "Latin9" }) } })),
        attempt(() => t.dictionary({ a: forged({ kind: "int", name: "i32", bits: 32, signed: true, mode: "wrap", min: 0, max: "(globalThis.X = 1, 0)" }) })),
        attempt(() => fn({ ret: forged({ kind: "stringEnum", values: ["*/ globalThis.PWNED = 1; /*"] }) })),
        attempt(() => t.oneOf(forged({ kind: "bool" }), t.i32)),
        attempt(() => bind(LIB, { add: { signatures: [{ symbol: "add", args: [], ret: { kind: "void" } }], overloaded: false, [Symbol.for("@ffi-kit/bindgen.fn")]: true } })),
        globalThis.X ?? null,
      ]);
    `);
    for (const o of r.slice(0, 6)) expect(o).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
    expect(r[6]).toBeNull();
  });

  it("specs are frozen all the way down: mutating a bound cannot inject code or widen a range", () => {
    const r = inChild(`
      "use strict";
      const C = t.i32.clamp(0, 10);
      const E = t.i32.enforceRange(0, 10);
      const D = t.dictionary({ x: t.i32.required, y: t.i32 });
      const S = t.stringEnum("a", "b");
      const tries = [
        () => { C.spec.min = "(globalThis.INJECTED = 1, 0)"; },
        () => { E.spec.max = 2 ** 40; },
        () => { D.spec.fields[0].name = "y"; },
        () => { D.spec.fields.push({ name: "z", type: D.spec, presence: { kind: "none" } }); },
        () => { D.spec.fields = []; },
        () => { S.spec.values[0] = "*/ globalThis.INJECTED = 1; /*"; },
        () => { Object.setPrototypeOf(C.spec, { min: "1" }); },
        () => { C.presence.kind = "default"; },
      ].map((f) => attempt(f).ok);
      const lib = bind(LIB, {
        clamp: fn({ symbol: "echo_i32", args: { v: C }, ret: t.i32 }),
        enforce: fn({ symbol: "echo_i32", args: { v: E }, ret: t.i32 }),
        sum: fn({ symbol: "point_sum_ptr", args: { p: D.byPointer() }, ret: t.i32 }),
      });
      report({
        tries,
        clamp: attempt(() => lib.symbols.clamp(2 ** 32 + 5)),
        enforce: attempt(() => lib.symbols.enforce(2 ** 32 + 5)),
        sum: attempt(() => lib.symbols.sum({ x: 3, y: 4 })),
        injected: globalThis.INJECTED ?? null,
      });
    `);
    expect(r.tries).toEqual([false, false, false, false, false, false, false, false]);
    expect(r.clamp).toEqual({ ok: true, value: 10 });
    expect(r.enforce).toEqual(coded("ERR_INVALID_ARG_VALUE"));
    expect(r.sum).toEqual({ ok: true, value: 7 });
    expect(r.injected).toBeNull();
  });

  it("a stringEnum value cannot close a TSDoc comment of a generated module: importing it runs no schema text", () => {
    const r = inChild(`
      import { mkdirSync, writeFileSync } from "node:fs";
      import { join } from "node:path";
      import { pathToFileURL } from "node:url";
      import ts from "typescript";
      const { generateModule } = await import(pathToFileURL(join(process.cwd(), "dist/generate.js")).href);
      const Speed = t.stringEnum("fast */ globalThis.PWNED = 1; /* slow", "x\\u2028globalThis.PWNED = 2");
      const src = generateModule({
        Speed,
        pick: fn({ symbol: "echo_enum", args: { s: Speed }, ret: Speed }),
        ["*/ globalThis.PWNED = 3; /*"]: fn({ symbol: "echo_enum", args: { ["*/ globalThis.PWNED = 4; /*"]: t.i32.default(1) }, ret: t.i32 }),
      }, "evil */ globalThis.PWNED = 5; /*.bind.ts");
      const diagnostics = ts.transpileModule(src, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      const dir = process.env.SCRATCH;
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "evil.gen.mjs");
      writeFileSync(file, diagnostics.outputText);
      const mod = await import(pathToFileURL(file).href);
      const lib = mod.open(LIB);
      report({
        errors: diagnostics.diagnostics.length,
        pick: attempt(() => lib.pick("fast */ globalThis.PWNED = 1; /* slow")),
        other: attempt(() => lib["*/ globalThis.PWNED = 3; /*"]()),
        pwned: globalThis.PWNED ?? null,
      });
    `);
    expect(r).toEqual({ errors: 0, pick: { ok: true, value: "fast */ globalThis.PWNED = 1; /* slow" }, other: { ok: true, value: 1 }, pwned: null });
  });
});

describe("schemas too big, too deep or unnamed for C", () => {
  it("a dictionary member named __proto__ is an own member, both ways", () => {
    const r = inChild(`
      const P = t.dictionary({ ["__proto__"]: t.i32.required, y: t.i32 });
      const lib = bind(LIB, { add: fn({ symbol: "point_add", args: { a: P, b: P }, ret: P }) });
      const out = lib.symbols.add(JSON.parse('{"__proto__": 1, "y": 2}'), JSON.parse('{"__proto__": 3, "y": 4}'));
      report({ own: Object.getOwnPropertyNames(out), proto: Object.getPrototypeOf(out) === Object.prototype, value: Object.getOwnPropertyDescriptor(out, "__proto__")?.value, y: out.y });
    `);
    expect(r).toEqual({ own: ["__proto__", "y"], proto: true, value: 4, y: 6 });
  });

  it("5000 nested dictionaries: a coded error when declared, not a RangeError", () => {
    const r = inChild(`
      let level = 0;
      report(attempt(() => {
        let D = t.dictionary({ v: t.i32 });
        for (level = 1; level < 5000; level++) D = t.dictionary({ d: D });
        return bind(LIB, { add: fn({ args: { d: D } }) });
      }));
    `);
    expect(r).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
    expect(r.message).toContain("64 levels");
  });

  it("a self-containing schema cannot be built (forged cycles are not types, frozen specs cannot be tied)", () => {
    const r = inChild(`
      const spec = { kind: "dictionary", fields: [], byPointer: false };
      spec.fields.push({ name: "self", type: spec, presence: { kind: "none" } });
      const forged = { [Symbol.for("@ffi-kit/bindgen.type")]: true, spec, presence: { kind: "none" } };
      const D = t.dictionary({ a: t.i32 });
      const tie = attempt(() => { "use strict"; D.spec.fields[0].type = D.spec; });
      report([attempt(() => bind(LIB, { add: fn({ args: { d: forged } }) })), attempt(() => t.dictionary({ d: forged })), tie.ok]);
    `);
    expect(r[0]).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
    expect(r[1]).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
    expect(r[2]).toBe(false);
  });

  it("a 512 MiB struct: a coded error when declared", () => {
    const r = inChild(`
      report(attempt(() => {
        let D = t.dictionary({ a: t.f64, b: t.f64 });
        for (let i = 0; i < 25; i++) D = t.dictionary({ a: D, b: D });
        return bind(LIB, { add: fn({ args: { d: D } }) });
      }));
    `);
    expect(r).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
    expect(r.message).toContain("bytes");
  });

  it("symbol names with NUL are refused, explicit or derived from the bound name", () => {
    const r = inChild(`
      report([
        attempt(() => fn({ symbol: "add\\0evil", args: { a: t.i32, b: t.i32 }, ret: t.i32 })),
        attempt(() => bind(LIB, { ["add\\0evil"]: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }) })),
        attempt(() => bind(LIB, { ["action\\0"]: fn({ variants: [{ args: { a: t.i32 }, ret: t.i32 }] }) })),
      ]);
    `);
    for (const o of r) expect(o).toEqual(coded("ERR_FFI_INVALID_SCHEMA"));
  });
});

describe("pointers C returns are checked before they are read", () => {
  const bad = ["16", "4095", "2n ** 47n", "2n ** 56n", "0x8000000000000000n", "0xffff800000000000n", "0xffffffffffffffffn"];
  for (const [what, ret] of [
    ["t.DOMString", "t.DOMString"],
    ["t.ByteString", "t.ByteString"],
    ["t.USVString", "t.USVString"],
    ["t.UTF8String", "t.UTF8String"],
  ] as const) {
    it(`${what} returns of made-up addresses throw ERR_FFI_INVALID_POINTER`, () => {
      const r = inChild(`
        const lib = bind(LIB, { from: fn({ symbol: "pointer_from", args: { v: t.u64 }, ret: ${ret} }) });
        report([${bad.map((b) => `attempt(() => lib.symbols.from(${b}))`).join(", ")}, attempt(() => lib.symbols.from(0))]);
      `);
      for (const o of r.slice(0, -1)) expect(o).toEqual(coded("ERR_FFI_INVALID_POINTER"));
      expect(r.at(-1)).toEqual({ ok: true, value: null });
    });
  }
  it("Point.byPointer() returns of made-up addresses throw ERR_FFI_INVALID_POINTER", () => {
    const r = inChild(`
      const Point = t.dictionary({ x: t.i32, y: t.i32 });
      const lib = bind(LIB, { from: fn({ symbol: "point_from", args: { v: t.u64 }, ret: Point.byPointer() }) });
      report([${bad.map((b) => `attempt(() => lib.symbols.from(${b}))`).join(", ")}, attempt(() => lib.symbols.from(0))]);
    `);
    for (const o of r.slice(0, -1)) expect(o).toEqual(coded("ERR_FFI_INVALID_POINTER"));
    expect(r.at(-1)).toEqual({ ok: true, value: null });
  });
  it("a string member of a returned struct is checked too", () => {
    const r = inChild(`
      const Named = t.dictionary({ n: t.i32, s: t.DOMString });
      const lib = bind(LIB, { from: fn({ symbol: "named_from", args: { v: t.u64 }, ret: Named }) });
      report([${bad.map((b) => `attempt(() => lib.symbols.from(${b}))`).join(", ")}, attempt(() => lib.symbols.from(0))]);
    `);
    for (const o of r.slice(0, -1)) expect(o).toEqual(coded("ERR_FFI_INVALID_POINTER"));
    expect(r.at(-1)).toEqual({ ok: true, value: { n: 7, s: null } });
  });
});

describe("user code that closes the library while arguments are converted", () => {
  it("valueOf, toString and member getters closing the library: ERR_FFI_LIBRARY_CLOSED, no call into unmapped code", () => {
    const r = inChild(`
      const Point = t.dictionary({ x: t.i32, y: t.i32 });
      const open = () => bind(LIB, {
        add: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }),
        hex: fn({ symbol: "hex_bytes", args: { s: t.DOMString }, ret: t.DOMString }),
        sum: fn({ symbol: "point_sum_ptr", args: { p: Point.byPointer() }, ret: t.i32 }),
        pointAdd: fn({ symbol: "point_add", args: { a: Point, b: Point }, ret: Point }),
      });
      const out = [];
      let lib = open();
      out.push(attempt(() => lib.symbols.add(1, { valueOf: () => (lib.close(), 2) })));
      lib = open();
      out.push(attempt(() => lib.symbols.hex({ toString: () => (lib.close(), "x") })));
      lib = open();
      out.push(attempt(() => lib.symbols.sum({ get y() { lib.close(); return 1; } })));
      lib = open();
      out.push(attempt(() => lib.symbols.pointAdd({ x: 1 }, { get x() { lib.close(); return 1; } })));
      report(out);
    `);
    expect(r).toHaveLength(4);
    for (const o of r) expect(o).toEqual(coded("ERR_FFI_LIBRARY_CLOSED"));
  });
});
