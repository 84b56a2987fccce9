import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fixturePath } from "./producers.js";

const child = fileURLToPath(new URL("./fixtures/exit-child.mjs", import.meta.url));

function run(scenario: string): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [child, fixturePath, scenario], { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe("process lifetime", () => {
  it("an open callback keeps the process alive (ref, the default) until its call arrives", () => {
    const r = run("ref");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("delivered\n");
    expect(r.status).toBe(0);
  });

  it("an unref'd callback lets the process exit; its later call is never delivered and nothing crashes", () => {
    const r = run("unref");
    expect(r.stdout).toBe("exit\n");
    expect(r.status).toBe(0);
    expect(r.signal).toBeNull();
  });

  it("the process exits cleanly while native threads still flood void and non-void callbacks", () => {
    const r = run("exit-during-flood");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("delivered some: true\n");
    expect(r.status).toBe(0);
    expect(r.signal).toBeNull();
  });

  it("process.exit() during a flood exits with its code, no crash", () => {
    const r = run("process-exit-during-flood");
    expect(r.stdout).toBe("delivered some: true\n");
    expect(r.status).toBe(3);
    expect(r.signal).toBeNull();
  });

  it("without onError, errors reach uncaughtException and delivery goes on", () => {
    const r = run("uncaught");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { n: number; errors: string[] };
    expect(out.n).toBe(200);
    expect(out.errors.sort()).toEqual(["thrown at 0/5", "thrown at 1/5"]);
  });
});
