/**
 * cc(): compiles C with the system compiler into a per-user cache and opens it like dlopen. Real compiles; the
 * compiler is counted through a `CC` wrapper script, so a cache hit is proven to run no compiler at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { FFIError, cc } from "@ffi-kit/core";

const packageDir = new URL("..", import.meta.url).pathname;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ffi-kit-cc-test-"));
  process.env.XDG_CACHE_HOME = join(root, "cache");
});
afterAll(() => {
  delete process.env.XDG_CACHE_HOME;
  rmSync(root, { recursive: true, force: true });
});

/** A fresh folder under the test's root holding `files`. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "case-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A `CC` script that appends a line to `count` for each run, then runs the system compiler. */
function countingCompiler(dir: string): { cc: string; runs: () => number } {
  const script = join(dir, "counting-cc");
  const count = join(dir, "count");
  writeFileSync(script, `#!/bin/sh\necho "$*" >> '${count}'\nexec cc "$@"\n`);
  chmodSync(script, 0o755);
  return { cc: script, runs: () => (existsSync(count) ? readFileSync(count, "utf8").split("\n").filter(Boolean).length : 0) };
}

/** Runs `body` (an ES module that imports cc) in a new Node process with `env`. */
function child(body: string, env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", body], { encoding: "utf8", cwd: packageDir, env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

const ADD = "int add(int a, int b) { return a + b; }\n";
const addSymbols = { add: { args: ["i32", "i32"], returns: "i32" } } as const;

describe("cc({ source, symbols, library, include, define, flags })", () => {
  it("compiles a C file and returns { symbols, close() } like dlopen", () => {
    const dir = folder({ "add.c": ADD });
    const lib = cc({ source: join(dir, "add.c"), symbols: addSymbols });
    expect(lib.symbols.add(1, 2)).toBe(3);
    // As in Bun: extra arguments are ignored; only declared symbols are exposed.
    expect((lib.symbols.add as (...a: number[]) => number)(1, 2, 3)).toBe(3);
    expect(Object.keys(lib.symbols)).toEqual(["add"]);
    expect(typeof lib.symbols.add.ptr).toBe("number");
    lib.close();
    expect(() => lib.symbols.add(1, 2)).toThrow(expect.objectContaining({ code: "ERR_FFI_LIBRARY_CLOSED" }));
  });

  it("passes include, define, library and flags (array or string) to the compiler", () => {
    const dir = folder({
      "src/main.c": `#include "config.h"\n#include <math.h>\nconst char *greeting(void) { return GREETING; }\nint answer(void) { return ANSWER + EXTRA; }\ndouble root2(void) { return sqrt(TWO); }\n`,
      "inc/config.h": "#define ANSWER 40\n",
    });
    const symbols = {
      greeting: { returns: "cstring" },
      answer: { returns: "i32" },
      root2: { returns: "f64" },
    } as const;
    const common = { source: join(dir, "src/main.c"), symbols, include: [join(dir, "inc")], library: ["m"], define: { GREETING: '"hi there"', TWO: "2.0" } };
    const a = cc({ ...common, flags: ["-DEXTRA=2", "-Wall"] });
    expect(String(a.symbols.greeting())).toBe("hi there");
    expect(a.symbols.answer()).toBe(42);
    expect(a.symbols.root2()).toBe(Math.SQRT2);
    a.close();
    const b = cc({ ...common, include: join(dir, "inc"), library: "m", flags: "-DEXTRA=3   -Wall" });
    expect(b.symbols.answer()).toBe(43);
    b.close();
  });

  it("takes the source as a relative path, a file: string or a URL", () => {
    const dir = folder({ "add.c": ADD });
    const file = join(dir, "add.c");
    for (const source of [relative(process.cwd(), file), pathToFileURL(file).href, pathToFileURL(file)]) {
      const lib = cc({ source, symbols: addSymbols });
      expect(lib.symbols.add(20, 22)).toBe(42);
      lib.close();
    }
  });

  it("compile errors throw ERR_FFI_CC_COMPILE with the compiler's diagnostics", () => {
    const dir = folder({ "bad.c": "int add(int a, int b) {\n  return a  b;\n}\n" });
    let error: (FFIError & { diagnostics?: string }) | undefined;
    try {
      cc({ source: join(dir, "bad.c"), symbols: addSymbols });
    } catch (e) {
      error = e as FFIError;
    }
    expect(error).toBeInstanceOf(FFIError);
    expect(error!.code).toBe("ERR_FFI_CC_COMPILE");
    expect(error!.diagnostics).toMatch(/bad\.c:2:\d+: error/);
    expect(error!.message).toContain("bad.c:2:");
    expect(String(error!.stack).split("\n").find((l) => /^\s+at /.test(l))).toContain("cc.test.ts");
    // Nothing failed is cached: fixing the file compiles it.
    writeFileSync(join(dir, "bad.c"), ADD);
    const lib = cc({ source: join(dir, "bad.c"), symbols: addSymbols });
    expect(lib.symbols.add(2, 2)).toBe(4);
    lib.close();
  });

  it("a declared symbol the source does not define: ERR_FFI_SYMBOL_NOT_FOUND, \"...\" is missing", () => {
    const dir = folder({ "add.c": ADD });
    expect(() => cc({ source: join(dir, "add.c"), symbols: { subtract: { args: ["i32", "i32"], returns: "i32" } } })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_SYMBOL_NOT_FOUND", message: expect.stringContaining('"subtract" is missing') }),
    );
  });

  it("bad options are refused before any compiler runs", () => {
    const dir = folder({ "add.c": ADD });
    const source = join(dir, "add.c");
    const cases: Array<[unknown, string]> = [
      [undefined, "ERR_INVALID_ARG_TYPE"],
      [{ symbols: addSymbols }, "ERR_INVALID_ARG_TYPE"],
      [{ source: 42, symbols: addSymbols }, "ERR_INVALID_ARG_TYPE"],
      [{ source: "", symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source: "https://example.com/a.c", symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source: new URL("https://example.com/a.c"), symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source: join(dir, "missing.c"), symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source: dir, symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source: `${source}\0.c`, symbols: addSymbols }, "ERR_INVALID_ARG_VALUE"],
      [{ source }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: {} }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: { add: { args: ["nope"], returns: "i32" } } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: { add: { args: ["napi_env"], returns: "i32" } } }, "ERR_FFI_UNSUPPORTED_TYPE"],
      [{ source, symbols: addSymbols, define: "X=1" }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: addSymbols, define: { X: 1 } }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: addSymbols, define: { "X=1 -oelsewhere/x": "1" } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, define: { "-o": "x" } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, define: { "1X": "x" } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, define: { X: "1\n#include </etc/passwd>" } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, define: { X: "a\0b" } }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, flags: ["-o", "elsewhere/lib.so"] }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, flags: "-oelsewhere/lib.so" }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, flags: [42] }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: addSymbols, flags: ["-Da\0b"] }, "ERR_INVALID_ARG_VALUE"],
      [{ source, symbols: addSymbols, include: [null] }, "ERR_INVALID_ARG_TYPE"],
      [{ source, symbols: addSymbols, library: [""] }, "ERR_INVALID_ARG_VALUE"],
    ];
    for (const [options, code] of cases) {
      expect(() => cc(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code }));
    }
  });
});

describe("cc()'s cache", () => {
  const program = (source: string, extra = "") => `
    import { cc } from "@ffi-kit/core";
    const lib = cc({ source: ${JSON.stringify(source)}, symbols: { value: { returns: "i32" } }${extra} });
    console.log(lib.symbols.value());
    lib.close();
  `;

  it("a second run loads the cached build without running the compiler; a changed source, header or option compiles again", () => {
    const dir = folder({ "v.c": '#include "v.h"\nint value(void) { return V; }\n', "v.h": "#define V 7\n" });
    const counter = countingCompiler(dir);
    const env = { CC: counter.cc, XDG_CACHE_HOME: join(dir, "cache") };
    const source = join(dir, "v.c");
    const run = (extra?: string) => {
      const r = child(program(source, extra), env);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return r.stdout;
    };
    expect(run()).toBe("7");
    const first = counter.runs();
    expect(first).toBe(2); // --version once for this compiler, then the compile
    expect(run()).toBe("7");
    expect(counter.runs()).toBe(first);
    // The header changes: the cached build no longer matches what it included.
    writeFileSync(join(dir, "v.h"), "#define V 8\n");
    expect(run()).toBe("8");
    expect(counter.runs()).toBe(first + 1);
    expect(run()).toBe("8");
    expect(counter.runs()).toBe(first + 1);
    // A define is part of the key.
    expect(run(`, define: { UNUSED: "1" }`)).toBe("8");
    expect(counter.runs()).toBe(first + 2);
    // So is the source.
    writeFileSync(source, '#include "v.h"\nint value(void) { return V * 2; }\n');
    expect(run()).toBe("16");
    expect(counter.runs()).toBe(first + 3);
    // The cache is private to the user and holds no temporary files.
    const files = readdirSync(join(dir, "cache/ffi-kit/cc"));
    expect(files.filter((f) => f.endsWith(".tmp") || f.endsWith(".d"))).toEqual([]);
  });

  it("concurrent processes compiling the same source all succeed and leave a sound cache", async () => {
    const dir = folder({ "v.c": "int value(void) { return 1234; }\n" });
    const counter = countingCompiler(dir);
    const env = { ...process.env, CC: counter.cc, XDG_CACHE_HOME: join(dir, "cache") };
    const body = program(join(dir, "v.c"));
    const runOne = () =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const p = spawn(process.execPath, ["--input-type=module", "-e", body], { cwd: packageDir, env });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("close", (code) => done({ code, out: out.trim(), err: err.trim() }));
      });
    const results = await Promise.all(Array.from({ length: 6 }, runOne));
    expect(results).toEqual(Array.from({ length: 6 }, () => ({ code: 0, out: "1234", err: "" })));
    const files = readdirSync(join(dir, "cache/ffi-kit/cc"));
    expect(files.filter((f) => f.endsWith(".tmp") || f.endsWith(".d"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    // Whichever build won, the next process uses it.
    const before = counter.runs();
    expect(await runOne()).toEqual({ code: 0, out: "1234", err: "" });
    expect(counter.runs()).toBe(before);
  });

  it("a cache folder others can write is not trusted: cc() compiles into a private temporary folder instead", () => {
    const dir = folder({ "v.c": "int value(void) { return 9; }\n" });
    const counter = countingCompiler(dir);
    mkdirSync(join(dir, "cache/ffi-kit/cc"), { recursive: true });
    chmodSync(join(dir, "cache/ffi-kit/cc"), 0o777);
    mkdirSync(join(dir, "tmp"));
    const env = { CC: counter.cc, XDG_CACHE_HOME: join(dir, "cache"), TMPDIR: join(dir, "tmp") };
    expect(child(program(join(dir, "v.c")), env)).toEqual({ status: 0, stdout: "9", stderr: "" });
    expect(child(program(join(dir, "v.c")), env)).toEqual({ status: 0, stdout: "9", stderr: "" });
    expect(readdirSync(join(dir, "cache/ffi-kit/cc"))).toEqual([]);
    // The private folder is removed once the library is loaded.
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    // Each run asked the compiler's version and compiled: nothing was kept in (or loaded from) that folder.
    expect(counter.runs()).toBe(4);
  });

  it("a corrupted cached library is detected and rebuilt", () => {
    const dir = folder({ "v.c": "int value(void) { return 5; }\n" });
    const counter = countingCompiler(dir);
    const env = { CC: counter.cc, XDG_CACHE_HOME: join(dir, "cache") };
    expect(child(program(join(dir, "v.c")), env).stdout).toBe("5");
    const cache = join(dir, "cache/ffi-kit/cc");
    const library = readdirSync(cache).find((f) => f.endsWith(".so") || f.endsWith(".dylib"))!;
    writeFileSync(join(cache, library), "not a library");
    const before = counter.runs();
    const r = child(program(join(dir, "v.c")), env);
    expect(r).toEqual({ status: 0, stdout: "5", stderr: "" });
    expect(counter.runs()).toBe(before + 1);
  });
});

describe("cc() and the compiler", () => {
  it("no compiler on PATH (and none in CC): ERR_FFI_CC_UNAVAILABLE", () => {
    const empty = folder({});
    const r = child(
      `import { cc } from "@ffi-kit/core";
       try { cc({ source: ${JSON.stringify(join(folder({ "a.c": ADD }), "a.c"))}, symbols: { add: { args: ["i32", "i32"], returns: "i32" } } }); }
       catch (e) { console.log(e.code, e.constructor.name, /no C compiler found/.test(e.message)); }`,
      { PATH: empty, CC: join(empty, "no-such-cc") },
    );
    expect(r).toEqual({ status: 0, stdout: "ERR_FFI_CC_UNAVAILABLE FFIError true", stderr: "" });
  });

  it("CC may carry arguments; they are part of the cache key", () => {
    const dir = folder({ "v.c": "int value(void) { return FROM_CC; }\n" });
    const counter = countingCompiler(dir);
    const run = (cc: string) => child(`import { cc } from "@ffi-kit/core"; console.log(cc({ source: ${JSON.stringify(join(dir, "v.c"))}, symbols: { value: { returns: "i32" } } }).symbols.value());`, { CC: cc, XDG_CACHE_HOME: join(dir, "cache") });
    expect(run(`${counter.cc} -DFROM_CC=1`)).toEqual({ status: 0, stdout: "1", stderr: "" });
    expect(run(`${counter.cc} -DFROM_CC=2`)).toEqual({ status: 0, stdout: "2", stderr: "" });
  });

  it("define values and flags reach the compiler as arguments, never through a shell", () => {
    const dir = folder({ "s.c": "const char *text(void) { return TEXT; }\n" });
    const marker = join(dir, "pwned");
    const hostile = `"$(touch ${marker}) \`touch ${marker}\`; touch ${marker} | & > ${marker} ' \\\\ %s"`;
    const lib = cc({ source: join(dir, "s.c"), symbols: { text: { returns: "cstring" } }, define: { TEXT: hostile } });
    expect(String(lib.symbols.text())).toBe(`$(touch ${marker}) \`touch ${marker}\`; touch ${marker} | & > ${marker} ' \\ %s`);
    lib.close();
    expect(() => cc({ source: join(dir, "s.c"), symbols: { text: { returns: "cstring" } }, define: { TEXT: '"x"' }, flags: `;touch ${marker}` })).toThrow(
      expect.objectContaining({ code: "ERR_FFI_CC_COMPILE" }),
    );
    expect(existsSync(marker)).toBe(false);
  });
});
