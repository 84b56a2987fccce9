// Hostile input against @ffi-kit/callbacks: exit and termination while native threads flood, argument counts and
// hostile options, lifetimes (closing from inside, closed pointers, throwing callbacks). Each case runs in its own
// child process (test/fixtures/hostile.mjs), so a crash or a hang fails one test, not the run.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fixturePath } from "./producers.js";

const child = fileURLToPath(new URL("./fixtures/hostile.mjs", import.meta.url));

function run(name: string): { status: number | null; signal: string | null; stdout: string; stderr: string; last: Record<string, any> } {
  const r = spawnSync(process.execPath, [child, fixturePath, name], { encoding: "utf8", timeout: 30_000 });
  const lines = r.stdout.trim().split("\n").filter((l) => l.startsWith("{"));
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, last: lines.length ? JSON.parse(lines.at(-1)!) : {} };
}

describe("exit and termination while native threads call", () => {
  it("an unref'd callback flooded by 8 threads (and a non-void one by 2) when the script ends: clean exit", () => {
    const r = run("unref'd callback flooded by 8 threads when the script ends");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toEqual({ delivered: true });
  });

  it("worker.terminate() mid-flood: the threads keep calling the closed callbacks; code and addon stay mapped", () => {
    const r = run("worker terminated mid-flood");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toEqual({ terminated: true, libraryMapped: true, addonMapped: true });
  });

  it("lib.close() while 8 threads run the library's code and call: the library stays mapped, no crash", () => {
    const r = run("library closed while 8 threads flood");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toEqual({ delivered: true, libraryMapped: true });
  });

  it("an unclosed JSCallback({ threadsafe: true }) does not keep the process alive", () => {
    const r = run("unclosed threadsafe JSCallback");
    expect(r.signal, "the process hung until the test killed it").toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toEqual({ exited: true });
  });

  it("process.exit() from inside a callback during a flood exits with its code", () => {
    const r = run("process.exit() inside a callback during a flood");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(4);
  });
});

describe("argument counts and options", () => {
  it("the signatures refused are exactly those the error message says do not fit", () => {
    const r = run("too many arguments");
    expect(r.status, r.stderr).toBe(0);
    const { codes, message } = r.last as { codes: Record<string, string>; message: string };
    const m = /at most (\d+) integer\/pointer and (\d+) floating-point arguments in registers, plus (\d+) more/.exec(message);
    expect(m, message).not.toBeNull();
    const [gp, fp, stack] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(gp).toBe(process.arch === "arm64" ? 8 : 6);
    for (let n = 10; n <= 20; n++) expect(codes[`${n} i32`], `${n} i32`).toBe(n <= gp + stack ? "none" : "ERR_FFI_UNSUPPORTED_TYPE");
    for (let n = 14; n <= 26; n++) expect(codes[`${n} f64`], `${n} f64`).toBe(n <= fp + stack ? "none" : "ERR_FFI_UNSUPPORTED_TYPE");
  });

  it("options are read once; bad capacities, policies and handlers are refused with codes; a throwing proxy's error propagates", () => {
    const r = run("hostile options");
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toEqual({
      reads: 1,
      capacity: 8,
      negative: "ERR_OUT_OF_RANGE",
      huge: "ERR_OUT_OF_RANGE",
      nan: "ERR_OUT_OF_RANGE",
      proxy: "Error",
      backpressure: "ERR_INVALID_ARG_VALUE",
      onError: "ERR_INVALID_ARG_TYPE",
    });
  });
});

describe("lifetimes", () => {
  it("close() from inside the callback while 4 threads call: every call delivered, rejected or discarded", () => {
    const r = run("close() from inside the callback, while threads call");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.last).toEqual({ closed: true, ptr: null, accounted: 40_000 });
  });

  it("a closed callback passed to native code is refused with ERR_FFI_CALLBACK_CLOSED", () => {
    expect(run("closed callback passed to native code").last).toEqual({ call: "ERR_FFI_CALLBACK_CLOSED", ptr: null });
  });

  it("a callback that throws, with an onError that throws: both counted, onError's error reaches uncaughtException", () => {
    expect(run("callback that throws, and onError that throws").last).toEqual({ n: 3, uncaught: ["from onError"], errors: 3 });
  });

  it("closing a non-void callback with discard while threads wait for answers releases every waiting thread", () => {
    const r = run("non-void callback closed while a thread waits for its answer");
    expect(r.signal, r.stderr).toBeNull();
    expect(r.last).toEqual({ closed: true });
  });
});
