/**
 * Child processes for the fast-engine tests: each case runs in its own Node process with the engine chosen by the
 * environment (`undefined`: the default, `"koffi"`: off), so a crash fails one test instead of the run. The script
 * gets `counters()` (the addon's `[fast, slow]` call counts, `[0, 0]` with the engine off) and `untilFast(f, calls)`
 * (calls `f` in chunks until V8 has optimised it and a whole chunk took the fast entry, at most 400 chunks; returns
 * the chunks it took, or -1; with the engine off there is nothing to wait for: 0, without calling `f`), then runs
 * `body`, which sets `out`; the child prints `out` as JSON.
 */
import { expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The fast-engine addon of the running Node, the same file core loads (so the same module and counters). */
export const fastAddon = fileURLToPath(
  new URL(`../../fast-engine/${process.platform}-${process.arch}-abi${process.versions.modules}/ffi_kit_fast.node`, import.meta.url),
);

export interface EngineChild {
  /** `undefined`: the engine as by default; a string: the value of `FFI_KIT_ENGINE`. */
  engine: string | undefined;
  /** The child's `import` lines. */
  imports: string;
  /** Declarations made before `body` (e.g. `const T = dlopen(...)`). */
  prelude?: string;
  body: string;
  /** More environment of the child (fixture paths). */
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Native calls per chunk of `untilFast` (tier-up takes longer on a busy machine with bigger chunks). */
  chunk: number;
}

export function runEngineChild(c: EngineChild): any {
  const env: NodeJS.ProcessEnv = { ...process.env, ...c.env, ADDON: fastAddon };
  if (c.engine === undefined) delete env.FFI_KIT_ENGINE;
  else env.FFI_KIT_ENGINE = c.engine;
  const r = spawnSync(
    process.execPath,
    [
      ...(c.nodeArgs ?? []),
      "--input-type=module",
      "-e",
      `
      ${c.imports}
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const counters = () => (process.env.FFI_KIT_ENGINE !== "koffi" ? require(process.env.ADDON).counters() : [0, 0]);
      const untilFast = (f, calls = 1) => { if (process.env.FFI_KIT_ENGINE === "koffi") return 0; for (let k = 0; k < 400; k++) { const c = counters()[0]; for (let i = 0; i < ${c.chunk}; i++) f(i); if (counters()[0] - c === ${c.chunk} * calls) return k; } return -1; };
      ${c.prelude ?? ""}
      let out;
      ${c.body}
      console.log(JSON.stringify(out));
    `,
    ],
    { encoding: "utf8", env, cwd: fileURLToPath(new URL("../..", import.meta.url)), timeout: 120_000 },
  );
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
  return JSON.parse(r.stdout);
}
