// The code generator end to end: run the real CLI on test/fixtures/bind/*.bind.ts, check the output is
// deterministic, type-checks under strict settings (tsc, with type-level expectations) and calls real C.
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import { bind, fn, t } from "@ffi-kit/bindgen";
import { LIB, anyValue, outcome, runs } from "./support.js";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const cli = join(pkg, "dist", "cli.js");
const bindDir = join(pkg, "test", "fixtures", "bind");
const out = join(pkg, "test", "fixtures", "generated");
const tsc = join(dirname(dirname(createRequire(import.meta.url).resolve("typescript"))), "bin", "tsc");

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: pkg, timeout: 50_000 });

type Fn = (...a: unknown[]) => unknown;
let math: Record<string, Fn> & { close(): void };
let shapes: Record<string, Fn> & { close(): void };

beforeAll(async () => {
  rmSync(out, { recursive: true, force: true });
  const r = run(bindDir, "--out", out);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  math = (await import(pathToFileURL(join(out, "math.gen.ts")).href)).open(LIB);
  shapes = (await import(pathToFileURL(join(out, "shapes.gen.ts")).href)).open(LIB);
});

describe("ffi-kit-bindgen <dir>", () => {
  it("writes one module per .bind.ts", () => {
    expect(readdirSync(out).filter((f) => f.endsWith(".gen.ts")).sort()).toEqual(["math.gen.ts", "shapes.gen.ts"]);
  });

  it("is deterministic: same input, same bytes; --check passes, then fails on a stale file", () => {
    const second = mkdtempSync(join(tmpdir(), "bindgen-"));
    try {
      expect(run(bindDir, "--out", second).status).toBe(0);
      for (const f of ["math.gen.ts", "shapes.gen.ts"]) expect(readFileSync(join(second, f))).toEqual(readFileSync(join(out, f)));
      expect(run(bindDir, "--out", second, "--check").status).toBe(0);
      writeFileSync(join(second, "math.gen.ts"), "// edited\n");
      const stale = run(bindDir, "--out", second, "--check");
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain("math.gen.ts is stale");
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });

  it("declares the seed's add with the seed's TSDoc", () => {
    const src = readFileSync(join(out, "math.gen.ts"), "utf8");
    expect(src).toContain(
      [
        "  /**",
        "   * Throws if zero arguments are provided.",
        "   * Wraps out of range numbers using modulo.",
        "   *",
        "   * @param b - Defaults to 1.",
        "   * @remarks Calls the C function `add`.",
        "   */",
        "  add(a: number, b?: number): number;",
      ].join("\n"),
    );
    expect(src).toContain('export type Formatter = "highlight-javascript" | "escape-powershell";');
    // conversions are inline, not interpreted
    expect(src).toContain('typeof a0 === "number" ? a0 | 0 : R.intWrap(a0, 32, true, "add(): argument 1 (a)")');
  });

  it("type-checks under strict settings, with exact parameter and return types", () => {
    writeFileSync(
      join(out, "tsconfig.json"),
      JSON.stringify({
        extends: "../../../../../tsconfig.base.json",
        compilerOptions: { noEmit: true, noUnusedLocals: true, noUnusedParameters: true, noImplicitReturns: true, exactOptionalPropertyTypes: true },
        include: ["*.ts"],
      }),
    );
    writeFileSync(
      join(out, "usage.ts"),
      [
        'import { open, type Formatter } from "./math.gen.js";',
        'import { open as openShapes, type PointResult, type Config } from "./shapes.gen.js";',
        'const lib = open("libbindgen.so");',
        "const n: number = lib.add(1);",
        "const m: number = lib.add(1, 2);",
        "// @ts-expect-error a string is not a number",
        'lib.add("1");',
        "// @ts-expect-error zero arguments",
        "lib.add();",
        'const f: Formatter = lib.echoEnum("escape-powershell");',
        "// @ts-expect-error not a member of the enum",
        'lib.echoEnum("nope");',
        "const big: bigint = lib.big(5n);",
        "const a1: number = lib.action(1);",
        'const a2: string | null = lib.action("x");',
        "const shapes = openShapes(\"libbindgen.so\");",
        "const p: PointResult = shapes.pointAdd({ x: 1 }, { x: 2, y: 3 });",
        "const q: PointResult | null = shapes.pointNull();",
        "// @ts-expect-error x is required",
        "shapes.pointAdd({ y: 1 }, { x: 2 });",
        "const c: Config = { level: 1, mode: 5 };",
        "// @ts-expect-error 3 is not a Mode",
        "const bad: Config = { level: 1, mode: 3 };",
        "export { n, m, f, big, a1, a2, p, q, c, bad };",
        "",
      ].join("\n"),
    );
    const r = spawnSync(process.execPath, [tsc, "-p", join(out, "tsconfig.json")], { encoding: "utf8", timeout: 55_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the generated functions call real C with the seed's semantics", () => {
    expect(math.add!.name).toBe("add");
    expect(math.add!(2)).toBe(3);
    expect(math.add!(2, 5)).toBe(7);
    expect(math.add!(2 ** 32 + 5, 0)).toBe(5);
    expect(() => math.add!()).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_MISSING_ARGS" }));
    expect(math.sum3!(1, 70000.5)).toBe(100 + 65535 * 10 + 5);
    expect(() => math.sum3!(1, 2, 1001)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(math.clampSmall!(7.5)).toBe(8);
    expect(math.clampSmall!(11)).toBe(10);
    expect(math.clampSmall!()).toBe(0);
    expect(math.validated!(2.5, 4)).toBe(10);
    expect(() => math.validated!("2", 4)).toThrow(`The "a" argument must be of type number. Received type string ('2')`);
    expect(() => math.validated!(1, 4.5)).toThrow(expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }));
    expect(math.action!(21)).toBe(42);
    expect(math.action!("hi")).toBe("hi");
    expect(math.echoEnum!("escape-powershell")).toBe("escape-powershell");
    expect(math.bytes!("é")).toBe("e9");
    expect(math.bytes!()).toBe("NULL");
    expect(math.usv!("\uD800")).toBe("efbfbd");
    expect(math.big!(-(2n ** 63n))).toBe(-(2n ** 63n));
    expect(math.maybeNull!(false)).toBeNull();
    expect(math.latin1!()).toBe("café");
    const before = math.counterGet!() as number;
    expect(math.counterAdd!(5)).toBeUndefined();
    expect(math.counterGet!()).toBe(before + 5);
    expect(math.uint32Checked!(1)).toBe(1);
    expect(() => math.uint32Checked!(0)).toThrow(`The value of "v" is out of range. It must be >= 1 && <= 4294967295. Received 0`);
  });

  it("the generated structs, enums, unions and variants work through real C", () => {
    expect(shapes.pointAdd!({ x: 1, y: 2 }, { x: 3 })).toEqual({ x: 4, y: 2 });
    expect(shapes.pointSum!({ x: 3, y: 4 })).toBe(7);
    expect(shapes.pointSum!()).toBe(-1);
    expect(shapes.pointAt!(5, 6)).toEqual({ x: 5, y: 6 });
    expect(shapes.pointNull!()).toBeNull();
    expect(shapes.rectArea!({ size: { x: 3, y: 4 } })).toBe(12n);
    expect(shapes.rectMake!(2, 3)).toEqual({ origin: { x: 1, y: 2 }, size: { x: 2, y: 3 } });
    expect(shapes.describe!({ level: 999, mode: 5, big: 3n })).toBe("level=255 ratio=0 name=anon mode=5 verbose=0 big=3 port=80");
    expect(shapes.describePtr!({ level: 1, name: "p" })).toBe("level=1 ratio=0 name=p mode=0 verbose=0 big=0 port=80");
    expect(shapes.make!(6)).toEqual({ level: 7, ratio: 0.5, name: "made", mode: 6, verbose: true, big: -9007199254740993n, port: 8080 });
    expect(shapes.echoMode!("Fast")).toBe(5);
    expect(shapes.value!("s")).toBe("string s");
    expect(shapes.value!(false)).toBe("bool 0");
    expect(shapes.act!({ x: 2, y: 3 })).toBe(203);
    expect(() => shapes.act!(true)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });

  it("generated code and bind() convert identically (same values, same errors)", () => {
    const bound = bind(LIB, {
      sum3: fn({ args: { global: t.globalObject, a: t.i32.enforceRange(), b: t.u16.clamp(), c: t.i32.enforceRange(0, 1000).default(5) }, ret: t.i32 }),
    });
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, fc.integer({ min: 0, max: 3 }), (a, b, c, n) => {
        const args = [a, b, c].slice(0, n);
        const x = outcome(() => math.sum3!(...args));
        const y = outcome(() => bound.symbols.sum3(...args));
        expect(x.ok).toBe(y.ok);
        if (x.ok && y.ok) expect(x.value).toBe(y.value);
        else if (!x.ok && !y.ok) expect(String(x.error)).toBe(String(y.error));
      }),
      runs,
    );
    bound.close();
  });

  it("closing the library makes later calls throw instead of crashing", async () => {
    const again = (await import(pathToFileURL(join(out, "math.gen.ts")).href)).open(LIB) as { add: Fn; close(): void };
    expect(again.add(1, 1)).toBe(2);
    again.close();
    again.close();
    expect(() => again.add(1, 1)).toThrow(expect.objectContaining({ name: "FFIError", code: "ERR_FFI_LIBRARY_CLOSED" }));
  });

  it("reports bad input: usage, empty directories, schema errors (also for the seed's `bindgen` import name)", () => {
    expect(run().status).toBe(2);
    expect(run("--bogus", bindDir).status).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "bindgen-bad-"));
    try {
      expect(run(dir).status).toBe(1);
      mkdirSync(join(dir, "sub"));
      // a .bind.ts may import other TypeScript files (as ./x.js) and the seed's `bindgen` module name
      writeFileSync(join(dir, "sub", "shared.ts"), "export enum Level { Low = 1, High = 9 }\n");
      writeFileSync(
        join(dir, "sub", "ok.bind.ts"),
        [
          'import { t, fn } from "bindgen";',
          'import { Level } from "./shared.js";',
          "export const LevelT = t.nativeEnum(Level);",
          "export const add = fn({ args: { a: t.i32, b: t.i32.default(1) }, ret: t.i32 });",
          'export const level = fn({ symbol: "echo_enum", args: { l: LevelT }, ret: LevelT });',
          "",
        ].join("\n"),
      );
      const ok = run(dir);
      expect(ok.stderr).toBe("");
      expect(ok.status).toBe(0);
      const generatedOk = readFileSync(join(dir, "sub", "ok.gen.ts"), "utf8");
      expect(generatedOk).toContain("add(a: number, b?: number): number;");
      expect(generatedOk).toContain("export type LevelT = 1 | 9;");
      expect(generatedOk).toContain("level(l: LevelT): LevelT;");
      writeFileSync(join(dir, "zz.bind.ts"), 'import { t } from "@ffi-kit/bindgen";\nexport const bad = t.i32.optional.default(1);\n');
      const bad = run(dir);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("zz.bind.ts: [ERR_FFI_INVALID_SCHEMA]");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
