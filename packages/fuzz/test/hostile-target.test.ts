import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fixture } from "./support/fixtures.js";

// Hostile targets (test/fixtures/hostile.c, hangs_on_load.c) and hostile options. Every case runs the CLI in a
// process of its own, so a fuzzer that dies or hangs fails that case only.
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const hostile = fixture("hostile");
const planted = fixture("planted");

function run(args: string[], timeout = 55_000): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout, killSignal: "SIGKILL" });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const target = (symbol: string, ...more: string[]) => ["run", "--library", hostile, "--symbol", symbol, "--args", "i32", "--returns", "i32", ...more];

/** The direct children of a process (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("targets that play with the fuzzer's file descriptors", () => {
  it("writing garbage to fd 3 (where the result pipe arrives) is harmless", () => {
    const r = run(target("write_fd3", "--runs", "60"));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("OK: no failure in 60 runs");
  });

  it("closing fd 3 is harmless", () => {
    const r = run(target("close_fd3", "--runs", "60"));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("OK: no failure in 60 runs");
  });

  it("putting /dev/null on fd 3 with dup2 is harmless", () => {
    const r = run(target("dup2_fd3", "--runs", "60", "--timeout", "3000"));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("OK: no failure in 60 runs");
  });

  it("garbage on every high descriptor, the moved pipe included, is a crash of that child with a report", () => {
    const r = run(target("write_all_fds", "--seed", "1"));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("FAILED (crash)");
    expect(r.stdout).toContain("result pipe received bytes that are not a frame");
    expect(r.stdout).toContain("minimal input:  write_all_fds(7)");
    expect(r.stderr).not.toMatch(/deserialize|Unhandled|at .*\.js:\d+/);
  });
});

describe("targets that hang, and signals to the fuzzer", () => {
  it("a library whose constructor hangs is timed out with ERR_FFI_FUZZ_TARGET, and no child is left", () => {
    const started = Date.now();
    const r = run(["run", "--library", fixture("hangs_on_load"), "--symbol", "unreachable_f", "--args", "i32", "--returns", "i32", "--timeout", "1000"], 50_000);
    expect(r.signal, "the CLI hung").toBeNull();
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain("[ERR_FFI_FUZZ_TARGET]");
    expect(r.stderr).toContain("opening the library did not finish within 1000 ms");
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to the CLI kills its children, even one stuck in native code; progress named the symbol first`, async () => {
      const cliProcess = spawn(process.execPath, [cli, ...target("spin_forever", "--timeout", "600000")], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      cliProcess.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => cliProcess.on("close", (code, sig) => resolve({ code, signal: sig })));
      let children: number[] = [];
      try {
        // The header line arrives while the first call is still spinning (long before its 600 s timeout).
        await until("the header line", () => stderr.includes("\n"));
        expect(stderr).toContain("fuzzing spin_forever(i32) -> i32");
        expect(stderr).toContain("hang timeout 600000 ms");
        // The current child and its two spares, one of them spinning in native code.
        await until("three children", () => (children = childrenOf(cliProcess.pid!)).length >= 3);
        await sleep(1000);
        children = childrenOf(cliProcess.pid!);
        cliProcess.kill(signal);
        const end = await exited;
        expect(end.code).toBe(signal === "SIGTERM" ? 143 : 130);
        await until("the children to die", () => children.every((pid) => !alive(pid)), 5000);
      } finally {
        cliProcess.kill("SIGKILL");
        for (const pid of children) if (alive(pid)) process.kill(pid, "SIGKILL");
      }
    });
  }
});

describe("huge, negative and inconsistent options are refused with clear errors", () => {
  const checksum = ["run", "--library", planted, "--symbol", "checksum", "--args", "buffer,u32", "--returns", "u32", "--length-of", "1=0"];
  const cases: Array<[string, string[], string]> = [
    ["a huge path", [...checksum, "--seed", "1", "--path", "300000000"], "[ERR_OUT_OF_RANGE]"],
    ["a timeout beyond Node's timers", [...checksum, "--timeout", "3000000000"], "[ERR_OUT_OF_RANGE]"],
    ["a negative timeout", [...checksum, "--timeout", "-5"], "[ERR_OUT_OF_RANGE]"],
    ["negative runs", [...checksum, "--runs", "-5"], "[ERR_OUT_OF_RANGE]"],
    ["a huge batch", [...checksum, "--batch", "1000000000"], "[ERR_OUT_OF_RANGE]"],
    ["a huge buffer", [...checksum, "--max-buffer", "99999999999"], "[ERR_OUT_OF_RANGE]"],
    ["a seed beyond 32 bits", [...checksum, "--seed", "99999999999"], "[ERR_OUT_OF_RANGE]"],
    ["a malformed path", [...checksum, "--seed", "1", "--path", "1:x"], "[ERR_INVALID_ARG_VALUE]"],
    ["a path without its seed", [...checksum, "--path", "3"], "--path replays a failure of one seed"],
    ["conversions with negative runs", ["conversions", "--runs=-5"], "[ERR_OUT_OF_RANGE]"],
    ["conversions with zero runs", ["conversions", "--runs", "0"], "[ERR_OUT_OF_RANGE]"],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, at once`, () => {
      const r = run(args, 20_000);
      expect(r.signal, "the CLI did not stop").toBeNull();
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).not.toContain("DISAGREEMENT");
    });
  }
});
