import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fixture } from "./support/fixtures.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const library = fixture("planted");

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 55_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ffi-kit-fuzz CLI", () => {
  it("run: finds the crash, names the signal, prints the minimal input and a replay command that works", () => {
    const first = run(["run", "--library", library, "--symbol", "checksum", "--args", "buffer,u32", "--returns", "u32", "--length-of", "1=0", "--seed", "3"]);
    expect(first.status, first.stderr).toBe(1);
    expect(first.stdout).toContain("FAILED (crash, SIGSEGV)");
    expect(first.stdout).toContain("minimal input:  checksum(Uint8Array.from([0,0,0,0,0,0,0,0,0,0,0,0,0]), 13)");
    const replay = /replay: (npx ffi-kit-fuzz .*)$/m.exec(first.stdout)?.[1];
    expect(replay).toBeDefined();
    const again = spawnSync("sh", ["-c", replay!.replace("npx ffi-kit-fuzz", `"${process.execPath}" "${cli}"`)], { encoding: "utf8", timeout: 55_000 });
    expect(again.status, again.stderr).toBe(1);
    expect(again.stdout).toContain("FAILED (crash, SIGSEGV)");
    expect(again.stdout).toContain("checksum(Uint8Array.from([0,0,0,0,0,0,0,0,0,0,0,0,0]), 13)");
  });

  it("run: takes a property expression and exits 0 when nothing fails", () => {
    const ok = run(["run", "--library", library, "--symbol", "add_i32", "--args", "i32,i32", "--returns", "i32", "--property", "result === ((args[0] + args[1]) | 0)", "--runs", "150"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("OK: no failure in 150 runs");
    const bad = run(["run", "--library", library, "--symbol", "total_count", "--args", "u32,u32", "--returns", "i64", "--property", "result === BigInt(args[0]) + BigInt(args[1])", "--json"]);
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; failure: { kind: string; input: string; replay: string } };
    expect(report.ok).toBe(false);
    expect(report.failure.kind).toBe("property");
    expect(report.failure.replay).toContain("--property 'result === BigInt(args[0]) + BigInt(args[1])'");
  });

  it("conversions: a short campaign over chosen properties", () => {
    const r = run(["conversions", "--property", "/^(identity:(u8|i64|f32)|read:dataview)$/", "--time", "500ms", "--seed", "5"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ffi-kit-fuzz conversions: 4 properties, \d+ runs in [\d.]+ s \(\d+ checks\/s\), seed 5/);
    expect(r.stdout).toContain("OK: core agrees with the reference model");
  });

  it("replay commands print --seed=<n>, negative seeds replay, and --seed -1 is accepted too", () => {
    const base = ["run", "--library", library, "--symbol", "total_count", "--args", "u32,u32", "--returns", "i64", "--property", "result === BigInt(args[0]) + BigInt(args[1])"];
    const first = run([...base, "--seed", "-1"]);
    expect(first.status, first.stderr).toBe(1);
    const replay = /replay: (npx ffi-kit-fuzz .*)$/m.exec(first.stdout)?.[1];
    expect(replay).toMatch(/ --seed=-?\d+ --path=[\d:]+$/);
    const minimal = /minimal input: .*$/m.exec(first.stdout)?.[0];
    const again = spawnSync("sh", ["-c", replay!.replace("npx ffi-kit-fuzz", `"${process.execPath}" "${cli}"`)], { encoding: "utf8", timeout: 55_000 });
    expect(again.status, again.stderr).toBe(1);
    expect(again.stdout).toContain(minimal);
    // The same seed and path given as separate words.
    const [, seedValue, pathValue] = / --seed=(-?\d+) --path=([\d:]+)$/.exec(replay!)!;
    const spaced = run([...base, "--seed", seedValue!, "--path", pathValue!]);
    expect(spaced.status, spaced.stderr).toBe(1);
    expect(spaced.stdout).toContain(minimal);
  });

  it("run --help and conversions --help print the usage with the default budget and hang timeout", () => {
    for (const command of ["run", "conversions"]) {
      const help = run([command, "--help"]);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain("default 300");
      expect(help.stdout).toContain("default 1000");
    }
  });

  it("--length-of errors count arguments from 0, like the option", () => {
    const r = run(["run", "--library", library, "--symbol", "checksum", "--args", "buffer,u32", "--returns", "u32", "--length-of", "0=1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("[ERR_OUT_OF_RANGE] lengthOf: args[0] (0-based, like the option) must be an integer argument, not buffer");
  });

  it("conversions with no options passes on a correct installation (the documented cstring difference is tolerated)", () => {
    const r = run(["conversions", "--runs", "200", "--seed", String(Date.now() | 0)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("OK: core agrees with the reference model");
    expect(r.stdout).not.toContain("DISAGREEMENT");
  });

  it("usage errors exit 2 with the usage text", () => {
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stdout).toContain("Usage:");
    const badTime = run(["conversions", "--time", "soon"]);
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain('invalid duration "soon"');
    const missing = run(["run", "--symbol", "f"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("run needs --library, --symbol and --args");
    const unknown = run(["run", "--library", library, "--symbol", "nope", "--args", "none"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("[ERR_FFI_FUZZ_TARGET]");
  });
});
