/**
 * Variadic functions: `args` ending with "..." take (type, value) pairs after the fixed arguments. Checked against
 * libc (snprintf, printf, open, fcntl) and test/fixtures/variadic.c, whose functions report what va_arg read.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { CFunction, CString, FFIError, FFIType, JSCallback, dlopen, linkSymbols, ptr, read, suffix, viewSource } from "@ffi-kit/core";
import { variadicPlansCompiled, VARIADIC_PLAN_CACHE_SIZE } from "../dist/variadic.js";
import { fixture } from "./support/fixtures.js";
import { runCase } from "./support/hostile-child.js";

const libc = dlopen(`libc.${suffix}`, {
  snprintf: { args: ["ptr", "usize", "cstring", "..."], returns: "i32" },
  open: { args: ["cstring", "i32", "..."], returns: "i32" },
  fcntl: { args: ["i32", "i32", "..."], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
});
const va = dlopen(fixture("variadic"), {
  describe_va: { args: ["ptr", "usize", "cstring", "..."], returns: "i32" },
  sum_doubles_va: { args: ["i32", "..."], returns: "f64" },
  sum_i64_va: { args: ["i32", "..."], returns: "i64" },
  call_fn_va: { args: ["i32", "..."], returns: "i32" },
  store_through_va: { args: ["i32", "..."], returns: "u64_fast" },
});
afterAll(() => {
  libc.close();
  va.close();
});

/** What describe_va read for `format` and the pairs, as `"i:1;d:2;"`. */
function described(format: string, ...pairs: unknown[]): string {
  const out = new Uint8Array(4096);
  const n = va.symbols.describe_va(out, out.length, format, ...(pairs as never[]));
  expect(n).toBe(format.length);
  return new CString(ptr(out)).toString();
}

describe("variadic functions: (type, value) pairs after the fixed arguments", () => {
  it("snprintf formats ints, strings and doubles", () => {
    const buf = new Uint8Array(64);
    const n = libc.symbols.snprintf(buf, 64, "%d %s %.2f", "i32", 42, "cstring", "hi", "f64", 1.5);
    expect(new CString(ptr(buf)).toString()).toBe("42 hi 1.50");
    expect(n).toBe(10);
    // 64-bit and pointer conversions, type numbers as well as names.
    const m = libc.symbols.snprintf(buf, 64, "%lld|%llu|%p|%s", FFIType.i64, -5n, "u64", 2n ** 64n - 1n, "ptr", 4096, "cstring", "é");
    expect(new CString(ptr(buf)).toString()).toBe("-5|18446744073709551615|0x1000|é");
    expect(m).toBe(new CString(ptr(buf)).toString().length + 1);
  });

  it("a call with no pairs calls the fixed part only", () => {
    const buf = new Uint8Array(16);
    expect(libc.symbols.snprintf(buf, 16, "plain")).toBe(5);
    expect(new CString(ptr(buf)).toString()).toBe("plain");
  });

  it("applies C's default argument promotions: f32 is rounded to float and passed as double; small integers and bool as int", () => {
    expect(described("d", "f32", 1.1)).toBe(`d:${Math.fround(1.1).toPrecision(17).replace(/0+$/, "")};`);
    expect(described("dd", "f32", 16777217, "f64", 16777217)).toBe("d:16777216;d:16777217;");
    expect(described("iiiiii", "i8", 300, "u8", -1, "i16", -1, "u16", -1, "char", 65 + 256, "i32", 2 ** 31)).toBe(
      "i:44;i:255;i:-1;i:65535;i:65;i:-2147483648;",
    );
    expect(described("iii", "bool", "x", "bool", 0, "bool", {})).toBe("i:1;i:0;i:1;");
    expect(described("uLl", "u32", -1, "u64", -1, "i64", 2n ** 63n)).toBe("u:4294967295;L:18446744073709551615;l:-9223372036854775808;");
  });

  it("takes strings, views, CStrings and null for pointers, like fixed arguments", () => {
    const bytes = new TextEncoder().encode("from a view\0");
    const text = new CString(ptr(bytes));
    expect(described("ssss", "cstring", "from a string", "ptr", bytes, "cstring", text, "cstring", null)).toBe(
      "s:from a string;s:from a view;s:from a view;s:(null);",
    );
    const target = new Int32Array(1);
    expect(va.symbols.store_through_va(-7, "ptr", target)).toBe(ptr(target));
    expect(target[0]).toBe(-7);
    expect(described("p", "ptr", 0x1234n)).toBe("p:1234;");
  });

  it("passes a JSCallback through ...", () => {
    const add = new JSCallback((a: number, b: number) => a * 10 + b, { args: ["i32", "i32"], returns: "i32" });
    expect(va.symbols.call_fn_va(4, "function", add, "i32", 2)).toBe(42);
    add.close();
  });

  it("passes many arguments (registers run out, the rest go on the stack)", () => {
    const doubles = Array.from({ length: 20 }, (_, i) => i + 0.25);
    expect(va.symbols.sum_doubles_va(20, ...doubles.flatMap((d) => ["f64", d]))).toBe(doubles.reduce((a, b) => a + b));
    const ints = Array.from({ length: 31 }, (_, i) => BigInt(i) * 1000000000000n - 5n);
    expect(va.symbols.sum_i64_va(31, ...ints.flatMap((v) => ["i64", v]))).toBe(ints.reduce((a, b) => a + b));
  });

  it("open() takes its mode through ...; fcntl() sets and reads flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "ffi-kit-variadic-"));
    try {
      const file = join(dir, "created");
      const O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000, F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
      const fd = libc.symbols.open(file, O_WRONLY | O_CREAT | O_TRUNC, "u32", 0o640);
      expect(fd).toBeGreaterThanOrEqual(0);
      const umask = process.umask();
      expect(statSync(file).mode & 0o777).toBe(0o640 & ~umask);
      expect(libc.symbols.fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(0);
      expect(libc.symbols.fcntl(fd, F_SETFD, "i32", FD_CLOEXEC)).toBe(0);
      expect(libc.symbols.fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
      expect(libc.symbols.close(fd)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("printf writes to the process's stdout", () => {
    const code = `
      import { dlopen } from "@ffi-kit/core";
      const { symbols: c } = dlopen("libc.so.6", { printf: { args: ["cstring", "..."], returns: "i32" }, fflush: { args: ["ptr"], returns: "i32" } });
      const n = c.printf("%s=%d %.3f %c\\n", "cstring", "answer", "i32", 42, "f32", 0.5, "char", 33);
      c.fflush(null);
      process.stderr.write(String(n));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", cwd: new URL("..", import.meta.url).pathname });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "answer=42 0.500 !\n", stderr: "18" });
  });

  it("works through CFunction and linkSymbols", () => {
    const f = new CFunction({ ptr: va.symbols.sum_doubles_va.ptr, args: ["i32", "..."], returns: "f64" });
    expect(f(2, "f64", 1.5, "f32", 2.25)).toBe(3.75);
    f.close();
    const linked = linkSymbols({ sum: { ptr: va.symbols.sum_i64_va.ptr, args: ["i32", "..."], returns: "i64" } });
    expect(linked.symbols.sum(2, "i64", 1, "u8", 257)).toBe(2n);
    linked.close();
  });

  it("converts each value by the rules of its type, as a fixed argument of that type (property)", () => {
    const seed = Date.now() | 0;
    console.log(`variadic conversions: seed ${seed}`);
    const ids = dlopen(fixture("ffi"), {
      identity_int8_t: { args: ["i8"], returns: "i32" },
      identity_uint8_t: { args: ["u8"], returns: "i32" },
      identity_int16_t: { args: ["i16"], returns: "i32" },
      identity_uint16_t: { args: ["u16"], returns: "i32" },
      identity_int32_t: { args: ["i32"], returns: "i32" },
      identity_uint32_t: { args: ["u32"], returns: "u32" },
      identity_int64_t: { args: ["i64"], returns: "i64" },
      identity_uint64_t: { args: ["u64"], returns: "u64" },
      identity_float: { args: ["f32"], returns: "f32" },
      identity_double: { args: ["f64"], returns: "f64" },
      identity_bool: { args: ["bool"], returns: "bool" },
    } as never).symbols as unknown as Record<string, (v: unknown) => unknown>;
    const cases: Array<[type: string, format: string, fixed: string, parse: (s: string) => unknown]> = [
      ["i8", "i", "identity_int8_t", Number],
      ["u8", "i", "identity_uint8_t", Number],
      ["i16", "i", "identity_int16_t", Number],
      ["u16", "i", "identity_uint16_t", Number],
      ["i32", "i", "identity_int32_t", Number],
      ["u32", "u", "identity_uint32_t", Number],
      ["i64", "l", "identity_int64_t", BigInt],
      ["u64", "L", "identity_uint64_t", BigInt],
      ["f32", "d", "identity_float", parseDouble],
      ["f64", "d", "identity_double", parseDouble],
      ["bool", "i", "identity_bool", (s) => s === "1"],
    ];
    const value = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
      fc.double(),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
      fc.constantFrom(true, false, null, undefined, -0, 2 ** 53, -(2 ** 63), 2 ** 64),
    );
    for (const [type, format, fixedName, parse] of cases) {
      fc.assert(
        fc.property(value, (v) => {
          // bun:ffi's rules refuse nothing numeric here, except 64-bit types given booleans, null or undefined.
          let fixed: unknown;
          try {
            fixed = ids[fixedName]!(v);
          } catch (e) {
            expect(() => described(format, type, v)).toThrow(expect.objectContaining({ code: (e as { code: string }).code }));
            return;
          }
          const got = parse(described(format, type, v).slice(2, -1));
          expect(Object.is(got, fixed) || (typeof fixed === "number" && typeof got === "number" && Number.isNaN(fixed) && Number.isNaN(got))).toBe(true);
        }),
        { seed, numRuns: 200 },
      );
    }
  });
});

function parseDouble(s: string): number {
  if (/^-?nan$/.test(s)) return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

describe("variadic declarations and plans", () => {
  it("plans each distinct list of variadic types once, and bounds the plans it keeps", () => {
    const lib = dlopen(fixture("variadic"), { sum_i64_va: { args: ["i32", "..."], returns: "i64" } });
    const sum = lib.symbols.sum_i64_va;
    const before = variadicPlansCompiled();
    for (let i = 0; i < 100; i++) expect(sum(2, "i64", i, "i64", 1)).toBe(BigInt(i + 1));
    expect(variadicPlansCompiled() - before).toBe(1);
    // Names and numbers of the same type share a plan.
    sum(2, "int64_t", 1, FFIType.i64, 1);
    expect(variadicPlansCompiled() - before).toBe(1);
    // Type lists beyond the cache's size evict the oldest.
    const lists = Array.from({ length: VARIADIC_PLAN_CACHE_SIZE }, (_, n) => Array.from({ length: 6 }, (_, k) => ((n >> k) & 1 ? "i32" : "i64")));
    for (const types of lists) sum(types.length, ...types.flatMap((t) => [t, 1]));
    // lists[0] is all "i64" (6 pairs): a new plan; the first list (2 pairs) has been evicted.
    const after = variadicPlansCompiled();
    expect(after - before).toBe(1 + VARIADIC_PLAN_CACHE_SIZE);
    sum(lists[VARIADIC_PLAN_CACHE_SIZE - 1]!.length, ...lists[VARIADIC_PLAN_CACHE_SIZE - 1]!.flatMap((t) => [t, 1]));
    expect(variadicPlansCompiled()).toBe(after);
    sum(2, "i64", 1, "i64", 1);
    expect(variadicPlansCompiled()).toBe(after + 1);
    lib.close();
  });

  it("viewSource and .source show the wrapper; .native is koffi's variadic function", () => {
    const decl = { describe_va: { args: ["ptr", "usize", "cstring", "..."], returns: "i32" } } as const;
    const [source] = viewSource(decl);
    expect(source).toBe(va.symbols.describe_va.source);
    expect(source).toContain("...v");
    const out = new Uint8Array(32);
    expect(va.symbols.describe_va.native(out, 32, "i", "int", 5)).toBe(1);
    expect(new CString(ptr(out)).toString()).toBe("i:5;");
  });

  it("refuses \"...\" anywhere but last, and in callbacks", () => {
    expect(() => dlopen(fixture("variadic"), { sum_i64_va: { args: ["...", "i32"] as never, returns: "i64" } })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_INVALID_SIGNATURE" }),
    );
    expect(() => new JSCallback(() => 0, { args: ["i32", "..."] as never, returns: "i32" })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_UNSUPPORTED_TYPE" }),
    );
    expect(() => dlopen(fixture("variadic"), { sum_i64_va: { args: [...Array(64).fill("i32"), "..."], returns: "i64" } })).not.toThrow();
    expect(() => dlopen(fixture("variadic"), { sum_i64_va: { args: [...Array(65).fill("i32"), "..."], returns: "i64" } })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_TOO_MANY_ARGUMENTS" }),
    );
  });

  it("wrong pairs: clear coded errors, thrown from the user's call, nothing reaches C", () => {
    const s = va.symbols;
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => s.sum_i64_va(1, "i64"), "ERR_FFI_VARIADIC_ARGUMENTS", /pairs.*received 1/],
      [() => s.sum_i64_va(1, "nope", 1), "ERR_INVALID_ARG_VALUE", /unknown type for variadic argument 1 \(argument 2\).*'nope'/],
      [() => s.sum_i64_va(1, 99, 1), "ERR_INVALID_ARG_VALUE", /unknown type/],
      [() => s.sum_i64_va(1, 1.5, 1), "ERR_INVALID_ARG_VALUE", /unknown type/],
      [() => s.sum_i64_va(1, "...", 1), "ERR_INVALID_ARG_VALUE", /unknown type/],
      [() => s.sum_i64_va(1, { toString: () => "i64" } as never, 1), "ERR_INVALID_ARG_VALUE", /unknown type/],
      [() => s.sum_i64_va(1, "void", 1), "ERR_FFI_VARIADIC_ARGUMENTS", /cannot be of type 'void'/],
      [() => s.sum_i64_va(1, "napi_value", 1), "ERR_FFI_VARIADIC_ARGUMENTS", /napi_value/],
      [() => s.sum_i64_va(1, "i64", "1"), "ERR_INVALID_ARG_TYPE", /variadic argument 1 \(argument 3\)/],
      [() => s.sum_i64_va(1, "i32", Symbol() as never), "ERR_INVALID_ARG_TYPE", /cannot be converted to 'i32'/],
      [() => s.sum_i64_va(1, "ptr", "a string"), "ERR_INVALID_ARG_TYPE", /encode it as a buffer/],
      [() => s.sum_i64_va(1, "buffer", 5), "ERR_INVALID_ARG_TYPE", /'buffer'/],
      [() => s.sum_i64_va(1, "function", new Uint8Array(4)), "ERR_INVALID_ARG_TYPE", /'function'/],
      [() => s.sum_i64_va(1, ...Array(32).fill(["i64", 1]).flat()), "ERR_FFI_TOO_MANY_ARGUMENTS", /at most 64/],
    ];
    for (const [f, code, message] of cases) {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(error, String(f)).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(String((error as Error).stack).split("\n").find((l) => /^\s+at /.test(l)), String(f)).toContain("variadic.test.ts");
      if ((code as string).startsWith("ERR_FFI_")) expect(error).toBeInstanceOf(FFIError);
    }
    // 1 + 2 * 31 = 63 JavaScript arguments is still fine.
    expect(s.sum_i64_va(31, ...Array(31).fill(["i64", 1]).flat())).toBe(31n);
  });

  it("a call after close() throws ERR_FFI_LIBRARY_CLOSED before converting", () => {
    const lib = dlopen(fixture("variadic"), { sum_i64_va: { args: ["i32", "..."], returns: "i64" } });
    const sum = lib.symbols.sum_i64_va;
    expect(sum(1, "i64", 3)).toBe(3n);
    lib.close();
    expect(() => sum(1, "i64", 3)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
    expect(() => sum(1, "nope")).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
  });
});

describe("variadic calls with hostile input (each in its own process)", () => {
  const V = `const V = dlopen(${JSON.stringify(fixture("variadic"))}, { describe_va: { args: ["ptr", "usize", "cstring", "..."], returns: "i32" }, sum_i64_va: { args: ["i32", "..."], returns: "i64" } });\n`;
  const cases: Array<[name: string, expression: string, expected: string]> = [
    ["50 000 pairs (100 000 arguments)", `V.symbols.sum_i64_va.apply(null, [1, ...Array(100000).fill("i64")])`, "Error ERR_FFI_TOO_MANY_ARGUMENTS"],
    ["an odd count of 100 001", `V.symbols.sum_i64_va.apply(null, [1, ...Array(100001).fill("i64")])`, "Error ERR_FFI_VARIADIC_ARGUMENTS"],
    ["a type whose toString is a getter", `(() => { let ran = false; const t = { get toString() { ran = true; return () => "i64"; } }; const o = outcome(() => V.symbols.sum_i64_va(1, t, 1)); return o + (ran ? " ran user code" : ""); })()`, "ok TypeError ERR_INVALID_ARG_VALUE"],
    ["a Proxy as a type", `V.symbols.sum_i64_va(1, new Proxy({}, { get() { throw new Error("trap ran"); } }), 1)`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a string for ptr", `V.symbols.describe_va(p, 64, "p", "ptr", "0x1000")`, "TypeError ERR_INVALID_ARG_TYPE"],
    ["a bad address for ptr, read by C as a pointer value only", `V.symbols.describe_va(p, 64, "p", "ptr", 2 ** 60)`, "ok 1"],
    ["a detached view for ptr", `V.symbols.describe_va(p, 64, "s", "ptr", detached(new Uint8Array(8)))`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["an empty view for a string: NULL, as for a fixed argument", `(() => { V.symbols.describe_va(p, 64, "s", "cstring", new Uint8Array(0)); return new CString(p).toString(); })()`, "ok s:(null);"],
    ["a forged length on a detached view", `(() => { const v = detached(new Uint8Array(8)); Object.defineProperty(v, "length", { value: 8 }); return V.symbols.describe_va(p, 64, "s", "ptr", v); })()`, "TypeError ERR_INVALID_ARG_VALUE"],
    ["a JSCallback getter that detaches the fixed output view", `(() => { const out = new Uint8Array(64); const cb = new JSCallback(() => 0, { returns: "i32" }); const real = cb.ptr; Object.defineProperty(cb, "ptr", { get() { detached(out); return real; } }); const o = outcome(() => V.symbols.describe_va(out, 64, "p", "function", cb)); return o === "TypeError ERR_INVALID_ARG_VALUE" || o === "Error 25" ? "refused" : o; })()`, "ok refused"],
    ["a JSCallback getter that closes the library", `(() => { const cb = new JSCallback(() => 0, { returns: "i32" }); const real = cb.ptr; Object.defineProperty(cb, "ptr", { get() { V.close(); return real; } }); return V.symbols.describe_va(p, 64, "p", "function", cb); })()`, "Error ERR_FFI_LIBRARY_CLOSED"],
    ["a huge string for cstring", `V.symbols.describe_va(p, 64, "s", "cstring", "x".repeat(1 << 24))`, "ok 0"],
    ["NUL and lone surrogates in a string", `V.symbols.describe_va(p, 64, "s", "cstring", "a\\0b\\ud800")`, "ok 1"],
  ];
  it.each(cases)("%s", (_name, expression, expected) => {
    const r = runCase(`${V}console.log(outcome(() => ${expression}));`);
    expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, signal: null, stdout: expected, stderr: "" });
  });
});
