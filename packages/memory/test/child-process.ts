// Runs a script of test/fixtures in a child `node --expose-gc`, for tests that need forced GC, exit or valgrind.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runChild(script: string, args: readonly string[] = [], env: Record<string, string> = {}, nodeFlags: readonly string[] = []): ChildResult {
  const r = spawnSync(process.execPath, ["--expose-gc", ...nodeFlags, `${fixtures}${script}`, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The last `counting_alloc: allocs=… frees=…` line the allocator printed (at exit, from its destructor). */
export function allocatorReport(stderr: string): Record<string, number> {
  const lines = stderr.split("\n").filter((l) => l.startsWith("counting_alloc:"));
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`no allocator report in stderr:\n${stderr}`);
  return Object.fromEntries([...last.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** The JSON object a fixture script printed on its last stdout line. */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines.at(-1)!) as T;
}
