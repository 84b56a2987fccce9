/** Finds a Bun binary and runs the suite's groups under `bun:ffi` in a child process (see bun-suite.ts). */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MeasureOptions } from "./measure.js";
import type { BunSection } from "./schema.js";
import { packageDir } from "./native-library.js";

/**
 * Where a Bun binary is looked for, first hit wins: `$FFI_KIT_BUN`; `@oven/bun-linux-x64/bin/bun` (or the platform's
 * package) in a node_modules up from this package (the pnpm dev-dependency route); `.bun/package/bin/bun` in the
 * package (`pnpm --filter @ffi-kit/bench fetch-bun`); `bun` on PATH.
 */
export function findBun(): string | undefined {
  const env = process.env.FFI_KIT_BUN;
  if (env !== undefined && env !== "") return existsSync(env) ? env : undefined;
  const platformPackage = `bun-${process.platform}-${process.arch === "x64" ? "x64" : process.arch}`;
  for (let dir = packageDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", "@oven", platformPackage, "bin", "bun");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  const fetched = join(packageDir, ".bun", "package", "bin", "bun");
  if (existsSync(fetched)) return fetched;
  for (const p of (process.env.PATH ?? "").split(delimiter)) {
    if (p !== "" && existsSync(join(p, "bun"))) return join(p, "bun");
  }
  return undefined;
}

/** Runs the Bun side; never throws: a missing or failing Bun gives `{ ran: false, reason }`. */
export function runBun(options: MeasureOptions, groups: readonly string[] | undefined, log: (line: string) => void): BunSection {
  const bun = findBun();
  if (bun === undefined) {
    return { ran: false, reason: `no Bun binary found (set FFI_KIT_BUN to one, put \`bun\` on PATH, or install @oven/bun-${process.platform}-${process.arch} beside @ffi-kit/bench)`, cases: [] };
  }
  const script = fileURLToPath(new URL("./bun-suite.js", import.meta.url));
  log(`bun: running the same groups under ${bun}`);
  const r = spawnSync(
    bun,
    [script, String(options.rounds), String(options.maxTime), String(options.minTime), String(options.minSamples), (groups ?? []).join(","), options.clock?.name ?? "wall"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000, maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) return { ran: false, reason: `bun exited with ${r.status ?? r.signal}: ${r.error?.message ?? "see stderr"}`, cases: [] };
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const parsed = JSON.parse(line) as Pick<BunSection, "runtime" | "cases">;
    return { ran: true, ...parsed };
  } catch (e) {
    return { ran: false, reason: `bun printed no JSON report: ${String(e)}`, cases: [] };
  }
}
