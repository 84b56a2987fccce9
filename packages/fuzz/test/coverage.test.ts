import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fuzzLibrary } from "@ffi-kit/fuzz";

// The coverage-guided mode against real instrumented libraries, compiled here with clang -fsanitize=fuzzer-no-link
// (and AddressSanitizer), next to the same sources built with plain cc for the black-box comparison.
const sources = fileURLToPath(new URL("./coverage-fixtures/", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const seed = Number(process.env.FUZZ_SEED ?? (Date.now() | 0));
let dir = "";
const lib = (name: string) => join(dir, `lib${name}.so`);

function compile(compiler: string, flags: string[], source: string, out: string): void {
  try {
    execFileSync(compiler, [...flags, "-shared", "-fPIC", "-o", lib(out), join(sources, source)], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    throw new Error(
      e.code === "ENOENT"
        ? `${compiler} is not installed: the coverage tests need clang and its runtime libraries (apt-get install clang libclang-rt-dev)`
        : `${compiler} ${flags.join(" ")} ${source} failed: ${e.stderr?.toString() ?? String(error)}`,
    );
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ffi-kit-fuzz-cov-"));
  compile("clang", ["-g", "-O1", "-fsanitize=fuzzer-no-link"], "guided.c", "guided-cov");
  compile("cc", ["-O1"], "guided.c", "guided-plain");
  compile("clang", ["-g", "-O1", "-fsanitize=fuzzer-no-link,address"], "overread.c", "overread-asan");
  compile("cc", ["-O1"], "overread.c", "overread-plain");
  compile("gcc", ["-O1", "-fsanitize-coverage=trace-pc"], "guided.c", "guided-gcc");
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("coverage-guided fuzzing finds what black-box fuzzing does not, within the default budget", () => {
  it("an exact operand pair (a == 0x5eed1234 && b == -77): found in coverage mode, not black-box", async () => {
    console.log(`coverage magic_pair: seed ${seed}`);
    const common = { symbol: "magic_pair", args: ["i32", "i32"], returns: "i32", seed } as const;
    const guided = await fuzzLibrary({ ...common, library: lib("guided-cov") });
    expect(guided.mode).toBe("coverage");
    expect(guided.ok, guided.summary).toBe(false);
    expect(guided.failure!.kind).toBe("crash");
    expect(guided.failure!.signal).toBe("SIGABRT");
    expect(guided.failure!.input).toEqual([0x5eed1234, -77]);
    expect(guided.foundAfterRuns).toBeLessThanOrEqual(300);
    expect(guided.coverage!.totalEdges).toBeGreaterThan(0);
    expect(guided.coverage!.edges).toBeGreaterThan(1);
    expect(guided.summary).toMatch(/coverage: \d+ of \d+ edges, corpus of \d+ input/);
    const blind = await fuzzLibrary({ ...common, library: lib("guided-plain") });
    expect(blind.mode).toBe("black-box");
    expect(blind.ok, blind.summary).toBe(true);
    expect(blind.runs).toBe(300);
    // The instrumented build fuzzed black-box (coverage: false) does not find it either.
    const off = await fuzzLibrary({ ...common, library: lib("guided-cov"), coverage: false });
    expect(off.mode).toBe("black-box");
    expect(off.ok, off.summary).toBe(true);
  });

  it('a magic string (strcmp(s, "FUZZ-ME")): found in coverage mode, not black-box', async () => {
    console.log(`coverage magic_str: seed ${seed}`);
    const common = { symbol: "magic_str", args: ["cstring"], returns: "i32", seed } as const;
    const guided = await fuzzLibrary({ ...common, library: lib("guided-cov") });
    expect(guided.ok, guided.summary).toBe(false);
    expect(guided.foundAfterRuns).toBeLessThanOrEqual(300);
    expect(guided.failure!.input).toEqual([new Uint8Array([...Buffer.from("FUZZ-ME"), 0])]);
    const blind = await fuzzLibrary({ ...common, library: lib("guided-plain") });
    expect(blind.ok, blind.summary).toBe(true);
  });

  it("is deterministic for a seed: the same campaign finds the same input after the same runs", async () => {
    const options = { library: lib("guided-cov"), symbol: "magic_pair", args: ["i32", "i32"], returns: "i32", seed } as const;
    const a = await fuzzLibrary(options);
    const b = await fuzzLibrary(options);
    expect(b.foundAfterRuns).toBe(a.foundAfterRuns);
    expect(b.failure!.original).toEqual(a.failure!.original);
    expect(b.coverage!.timeline.map((t) => [t.run, t.edges])).toEqual(a.coverage!.timeline.map((t) => [t.run, t.edges]));
  });

  it("gcc's -fsanitize-coverage=trace-pc is detected and guides too", async () => {
    const report = await fuzzLibrary({ library: lib("guided-gcc"), symbol: "sum", args: ["buffer", "u32"], returns: "u32", lengthOf: { 1: 0 }, seed, runs: 100 });
    expect(report.mode).toBe("coverage");
    expect(report.ok, report.summary).toBe(true);
    expect(report.coverage!.edges).toBeGreaterThan(1);
  });

  it("coverage: true on a library that is not instrumented is ERR_FFI_FUZZ_NO_COVERAGE, saying how to rebuild", async () => {
    const error = await fuzzLibrary({ library: lib("guided-plain"), symbol: "sum", args: ["buffer", "u32"], returns: "u32", coverage: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_FFI_FUZZ_NO_COVERAGE" });
    expect((error as Error).message).toContain("-fsanitize=fuzzer-no-link");
  });

  it("refuses bad coverage, jobs and shard options with codes", async () => {
    const base = { library: lib("guided-cov"), symbol: "sum", args: ["buffer", "u32"], returns: "u32" } as const;
    await expect(fuzzLibrary({ ...base, coverage: "yes" as never })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
    await expect(fuzzLibrary({ ...base, jobs: 0 })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
    await expect(fuzzLibrary({ ...base, jobs: 1e9 })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
    await expect(fuzzLibrary({ ...base, shard: { index: 2, count: 2 } })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
    await expect(fuzzLibrary({ ...base, shard: { index: -1, count: 2 } })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
    await expect(fuzzLibrary({ ...base, corpus: 5 as never })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
    await expect(fuzzLibrary({ ...base, corpus: lib("guided-cov") })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
    await expect(fuzzLibrary({ ...base, input: join(dir, "no-such-input.json") })).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });
});

describe("hangs, corpus, replay, jobs and shards", () => {
  it("a hang is reported as a timeout after the default 1000 ms, and shrinking it stays bounded", async () => {
    const report = await fuzzLibrary({ library: lib("guided-cov"), symbol: "hang_on", args: ["u32"], returns: "u32", seed });
    expect(report.ok, report.summary).toBe(false);
    expect(report.failure!.kind).toBe("timeout");
    expect(report.failure!.message).toContain("within 1000 ms");
    expect(report.failure!.input).toEqual([0xdeadbeef]);
    // Each timed-out candidate costs a child: shrinking gives up after a few.
    expect(report.children).toBeLessThan(30);
  }, 120_000);

  it("saves new-coverage inputs and the failure in the corpus folder, resumes from it, and replays the saved failure", async () => {
    const corpus = join(dir, "corpus-str");
    const options = { library: lib("guided-cov"), symbol: "magic_str", args: ["cstring"], returns: "i32", seed, corpus } as const;
    const first = await fuzzLibrary(options);
    expect(first.ok, first.summary).toBe(false);
    const files = readdirSync(corpus);
    expect(files.some((f) => /^cov-[0-9a-f]{16}\.json$/.test(f)), files.join(" ")).toBe(true);
    const crash = files.find((f) => /^crash-[0-9a-f]{16}\.json$/.test(f));
    expect(crash, files.join(" ")).toBeDefined();
    expect(JSON.parse(readFileSync(join(corpus, crash!), "utf8")).symbol).toBe("magic_str");
    // Resuming: the corpus runs first, so its inputs' coverage is there from the start.
    const resumed = await fuzzLibrary({ ...options, seed: seed + 1, runs: 50 });
    expect(resumed.coverage!.corpusSize).toBeGreaterThan(0);
    expect(resumed.coverage!.timeline[0]!.run).toBeLessThanOrEqual(readdirSync(corpus).filter((f) => f.startsWith("cov-")).length);
    // The replay command of the failure works as printed.
    const replay = first.failure!.replay;
    if (first.failure!.inputFile !== undefined) expect(replay).toContain(`--input ${first.failure!.inputFile}`);
    const argv = replay.replace(/^npx ffi-kit-fuzz /, "").split(" ");
    const r = spawnSync(process.execPath, [cli, ...argv], { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain("FAILED (crash, SIGABRT)");
    expect(r.stdout).toContain("magic_str(Uint8Array.from([70,85,90,90,45,77,69,0]))");
  }, 120_000);

  it("jobs: several children fuzz one campaign", async () => {
    const report = await fuzzLibrary({ library: lib("guided-cov"), symbol: "magic_str", args: ["cstring"], returns: "i32", seed, jobs: 2 });
    expect(report.ok, report.summary).toBe(false);
    expect(report.children).toBeGreaterThanOrEqual(2);
    expect(report.summary).toContain("FAILED (crash, SIGABRT)");
  });

  it("shards split a seed's campaign into disjoint parts; one shard of one is the whole campaign", async () => {
    const seen = (shard?: { index: number; count: number }) => {
      const inputs: string[] = [];
      return fuzzLibrary({
        library: lib("guided-plain"), symbol: "sum", args: ["buffer", "u32"], returns: "u32", lengthOf: { 1: 0 }, seed, runs: 200,
        ...(shard ? { shard } : {}),
        property: ([buffer]) => {
          inputs.push(Buffer.from(buffer as Uint8Array).toString("hex"));
          return true;
        },
      }).then(() => inputs);
    };
    const [whole, single, a, b] = [await seen(), await seen({ index: 0, count: 1 }), await seen({ index: 0, count: 2 }), await seen({ index: 1, count: 2 })];
    expect(single).toEqual(whole);
    expect(a).not.toEqual(b);
    expect(a.slice(0, 100)).not.toEqual(b.slice(0, 100));
    const cli2 = spawnSync(process.execPath, [cli, "run", "--library", lib("guided-plain"), "--symbol", "sum", "--args", "buffer,u32", "--returns", "u32", "--shard", "3/2"], { encoding: "utf8" });
    expect(cli2.status).toBe(2);
    expect(cli2.stderr).toContain("--shard takes <i>/<n>");
  });
});

describe("AddressSanitizer builds: the fuzzer's buffers are malloc'd exact-size copies ASan guards", () => {
  it("an off-by-one read that does not crash a plain build is a heap-buffer-overflow in the sanitizer build", async () => {
    console.log(`asan overread: seed ${seed}`);
    const common = { symbol: "checksum_inclusive", args: ["buffer", "u32"], returns: "u32", lengthOf: { 1: 0 }, seed } as const;
    const plain = await fuzzLibrary({ ...common, library: lib("overread-plain") });
    expect(plain.ok, plain.summary).toBe(true);
    const asan = await fuzzLibrary({ ...common, library: lib("overread-asan") });
    expect(asan.ok, asan.summary).toBe(false);
    const f = asan.failure!;
    expect(f.kind).toBe("crash");
    expect(f.message).toContain("heap-buffer-overflow");
    expect(f.stderr).toContain("ERROR: AddressSanitizer: heap-buffer-overflow");
    expect(f.stderr).toContain("checksum_inclusive");
    expect(asan.summary).toContain("AddressSanitizer");
  }, 120_000);

  it("a sanitizer report is named by its whole headline (a double free)", async () => {
    const report = await fuzzLibrary({ library: lib("overread-asan"), symbol: "free_twice", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 }, seed });
    expect(report.ok, report.summary).toBe(false);
    expect(report.failure!.message).toContain("AddressSanitizer: attempting double-free");
    expect(report.failure!.input).toEqual([Uint8Array.of(0), 1]);
    expect(report.failure!.stderr).toContain("ERROR: AddressSanitizer: attempting double-free");
  }, 120_000);
});
