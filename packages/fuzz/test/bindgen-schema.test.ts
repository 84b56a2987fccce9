import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fn, t } from "@ffi-kit/bindgen";
import { fuzzLibrary, signatureFromSchema } from "@ffi-kit/fuzz";
import { greet } from "./fixtures/schemas.mjs";
import { fixture } from "./support/fixtures.js";

const library = fixture("planted");
const seed = Number(process.env.FUZZ_SEED ?? (Date.now() | 0));

describe("fuzzing from @ffi-kit/bindgen schemas", () => {
  it("derives the C signature and the argument domains from a schema", () => {
    const sig = signatureFromSchema(
      fn({ args: { n: t.u32.enforceRange(), mode: t.stringEnum("a", "b"), e: t.nativeEnum({ X: 3, Y: 9 }), s: t.UTF8String, ok: t.bool }, ret: t.f64 }),
    );
    expect(sig.args).toEqual(["u32", "i32", "i32", "cstring", "bool"]);
    expect(sig.returns).toBe("f64");
    expect(sig.names).toEqual(["n", "mode", "e", "s", "ok"]);
    expect(Object.keys(sig.arbitraries).sort()).toEqual(["0", "1", "2", "3"]);
    expect(() => signatureFromSchema(fn({ args: { p: t.dictionary({ x: t.i32.required }) }, ret: t.void }))).toThrow(
      expect.objectContaining({ code: "ERR_FFI_UNSUPPORTED_TYPE" }),
    );
  });

  it("finds the abort of an enum value with an empty string, named SIGABRT, shrunk to the minimal input", async () => {
    console.log(`schema greet: seed ${seed}`);
    const report = await fuzzLibrary({ library, symbol: "greet", schema: greet, seed });
    expect(report.ok, report.summary).toBe(false);
    expect(report.failure).toMatchObject({ kind: "crash", signal: "SIGABRT" });
    // lang "de" (index 2) and the empty C string (a lone NUL).
    expect(report.failure!.input).toEqual([2, Uint8Array.of(0)]);
  });

  it("keeps bounded integers inside the schema's range and checks a property", async () => {
    const report = await fuzzLibrary({
      library, symbol: "total_count", seed,
      schema: fn({ args: { a: t.u32.enforceRange(), b: t.u32.enforceRange() }, ret: t.i64 }),
      property: ([a, b], r) => r === BigInt(a as number) + BigInt(b as number),
    });
    expect(report.ok).toBe(false);
    const [a, b] = report.failure!.input as [number, number];
    expect(a + b).toBe(2 ** 31);
  });

  it("CLI: --schema module#export, with the schema in the replay command", () => {
    const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    const schemas = fileURLToPath(new URL("./fixtures/schemas.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [cli, "run", "--library", library, "--symbol", "greet", "--schema", `${schemas}#greet`, "--seed", "4"], { encoding: "utf8", timeout: 55_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain("FAILED (crash, SIGABRT)");
    expect(r.stdout).toContain("minimal input:  greet(2, Uint8Array.from([0]))");
    expect(r.stdout).toContain(`--schema ${schemas}#greet`);
  });
});
