/**
 * The extension point for the packages written beside core: each loader adds paths to existing groups or whole
 * groups when its package is importable and exports what the case needs; otherwise the group is reported as
 * skipped with the reason. A loader first imports the package by name, then the workspace sibling's build
 * (`packages/<name>/dist/index.js`), so the suite works inside the monorepo without a circular dependency.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dlopen, toArrayBuffer } from "@ffi-kit/core";
import koffi from "koffi";
import type { GroupSpec, PathSpec } from "./measure.js";
import { benchLibraryPath, packageDir } from "./native-library.js";
import { namedProto, sink } from "./node-cases.js";

/** What the optional packages contribute to a run. */
export interface OptionalGroups {
  /** Extra paths for Node groups, by group name (for example a `bindgen` path in `add_i32`). */
  readonly extraPaths: Readonly<Record<string, readonly PathSpec[]>>;
  /** Whole groups of their own. */
  readonly groups: readonly GroupSpec[];
  /** What could not be measured, and why. */
  readonly skipped: readonly { readonly group: string; readonly reason: string }[];
  close(): Promise<void>;
}

/** A loader for one optional package: returns its contribution or throws with the reason it cannot. */
export interface OptionalLoader {
  /** Package name, for example `@ffi-kit/memory`. */
  readonly packageName: string;
  /** Groups (or `group/path` extra paths) this loader provides, for the skip notice. */
  readonly provides: readonly string[];
  load(module: Record<string, unknown>): { extraPaths?: Record<string, PathSpec[]>; groups?: GroupSpec[]; close?: () => unknown };
}

async function importOptional(name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (byName) {
    const sibling = join(packageDir, "..", name.replace(/^@ffi-kit\//, ""), "dist", "index.js");
    if (!existsSync(sibling)) throw new Error(`${name} is neither a dependency nor built in the workspace (${sibling})`, { cause: byName });
    return (await import(pathToFileURL(sibling).href)) as Record<string, unknown>;
  }
}

function need<T>(module: Record<string, unknown>, name: string, packageName: string): T {
  const v = module[name];
  if (typeof v !== "function" && (typeof v !== "object" || v === null)) throw new Error(`${packageName} does not export ${name}`);
  return v as T;
}

/** @ffi-kit/bindgen: a bound, validating wrapper as one more path of the scalar call groups. */
const bindgenLoader: OptionalLoader = {
  packageName: "@ffi-kit/bindgen",
  provides: ["noop/bindgen", "add_i32/bindgen", "add_f64/bindgen", "ret_i64/bindgen"],
  load(m) {
    type T = Record<string, unknown>;
    const bind = need<(path: string, schema: Record<string, unknown>) => { symbols: Record<string, (...a: unknown[]) => unknown>; close(): void }>(m, "bind", this.packageName);
    const fn = need<(spec: Record<string, unknown>) => unknown>(m, "fn", this.packageName);
    const t = need<T>(m, "t", this.packageName);
    const lib = bind(benchLibraryPath, {
      noop: fn({ args: {}, ret: t.void }),
      add_i32: fn({ args: { a: t.i32, b: t.i32 }, ret: t.i32 }),
      add_f64: fn({ args: { a: t.f64, b: t.f64 }, ret: t.f64 }),
      ret_i64: fn({ args: {}, ret: t.i64 }),
    });
    const s = lib.symbols;
    const o = sink;
    const check = s.add_i32!(20, 22);
    if (check !== 42) throw new Error(`@ffi-kit/bindgen: add_i32(20, 22) returned ${String(check)}`);
    return {
      extraPaths: {
        noop: [{ path: "bindgen", fn: () => (o.value = s.noop!()) }],
        add_i32: [{ path: "bindgen", fn: () => (o.value = s.add_i32!(20, 22)) }],
        add_f64: [{ path: "bindgen", fn: () => (o.value = s.add_f64!(20.5, 21.5)) }],
        ret_i64: [{ path: "bindgen", fn: () => (o.value = s.ret_i64!()) }],
      },
      close: () => lib.close(),
    };
  },
};

/** @ffi-kit/memory: adopting native memory with own() and releasing it with dispose(), beside the unowned way. */
const memoryLoader: OptionalLoader = {
  packageName: "@ffi-kit/memory",
  provides: ["memory_adopt"],
  load(m) {
    const own = need<(p: number, n: number, free: (address: number) => unknown) => object>(m, "own", this.packageName);
    const dispose = need<(view: object) => boolean>(m, "dispose", this.packageName);
    const lib = dlopen(benchLibraryPath, {
      bench_malloc: { args: ["u64"], returns: "ptr" },
      bench_free: { args: ["ptr"], returns: "void" },
    });
    const { bench_malloc: malloc, bench_free: free } = lib.symbols as unknown as { bench_malloc: (n: number) => number; bench_free: (p: number) => void };
    const freeFn = (address: number): void => free(address);
    const o = sink;
    return {
      groups: [
        {
          group: "memory_adopt",
          title: "malloc(64), a view over it, free: unowned (core) versus own() + dispose()",
          reference: "core-to-array-buffer",
          paths: [
            {
              path: "core-to-array-buffer",
              fn: () => {
                const p = malloc(64);
                o.value = toArrayBuffer(p as never, 0, 64);
                free(p);
              },
            },
            {
              path: "memory-own-dispose",
              fn: () => {
                const view = own(malloc(64), 64, freeFn);
                o.value = view;
                dispose(view);
              },
            },
          ],
        },
      ],
      close: () => lib.close(),
    };
  },
};

/** Producer threads and calls per thread of the threadsafe group (one iteration delivers THREADS × PER_THREAD calls). */
const THREADS = 2, PER_THREAD = 1000;

/**
 * @ffi-kit/callbacks: delivered calls from native threads, a ThreadsafeCallback queue versus koffi's registered
 * callback called cross-thread (the producer blocks until the JS thread ran it). Deferred, wall clock.
 */
const callbacksLoader: OptionalLoader = {
  packageName: "@ffi-kit/callbacks",
  provides: ["threadsafe"],
  load(m) {
    type Tsfn = { readonly ptr: number | null; close(): Promise<void> };
    const ThreadsafeCallback = need<new (fn: (id: number, i: number) => void, o: Record<string, unknown>) => Tsfn>(m, "ThreadsafeCallback", this.packageName);
    const k = koffi.load(benchLibraryPath);
    const proto = namedProto("void bench_pair_cb(int32_t, int32_t)");
    const start = k.func("start_calls", "int32_t", [koffi.pointer(proto), "int32_t", "int32_t"]) as (cb: unknown, t: number, n: number) => number;
    const join = k.func("void join_calls(void)") as () => void;
    const total = THREADS * PER_THREAD;
    let got = 0;
    let done: (() => void) | undefined;
    const receive = (): void => {
      if (++got === total) {
        got = 0;
        const d = done;
        done = undefined;
        // Producers may still be returning from their last call: join off this callback's stack.
        setImmediate(() => {
          join();
          d?.();
        });
      }
    };
    const kCb = koffi.register(receive, koffi.pointer(proto));
    const ts = new ThreadsafeCallback(receive, { args: ["i32", "i32"], returns: "void" });
    const iteration = (cb: unknown) => (finish?: () => void): void => {
      done = finish;
      if (start(cb, THREADS, PER_THREAD) !== 0) throw new Error("start_calls failed");
    };
    return {
      groups: [
        {
          group: "threadsafe",
          title: `${THREADS} native threads × ${PER_THREAD} calls of a void (i32, i32) callback, per delivered call (wall clock)`,
          reference: "koffi-cross-thread",
          opsPerIteration: total,
          deferred: true,
          paths: [
            { path: "koffi-cross-thread", fn: iteration(kCb) },
            { path: "callbacks-threadsafe", fn: iteration(ts.ptr) },
          ],
        },
      ],
      close: async () => {
        await ts.close();
        koffi.unregister(kCb);
      },
    };
  },
};

/** Every optional loader, in report order. Add a loader here to measure a new package. */
export const optionalLoaders: readonly OptionalLoader[] = [bindgenLoader, memoryLoader, callbacksLoader];

/** Runs every optional loader; failures become skip notices, never errors. */
export async function optionalGroups(loaders: readonly OptionalLoader[] = optionalLoaders): Promise<OptionalGroups> {
  const extraPaths: Record<string, PathSpec[]> = {};
  const groups: GroupSpec[] = [];
  const skipped: { group: string; reason: string }[] = [];
  const closers: (() => unknown)[] = [];
  for (const loader of loaders) {
    try {
      const got = loader.load(await importOptional(loader.packageName));
      for (const [g, paths] of Object.entries(got.extraPaths ?? {})) (extraPaths[g] ??= []).push(...paths);
      groups.push(...(got.groups ?? []));
      if (got.close !== undefined) closers.push(got.close);
    } catch (e) {
      skipped.push({ group: loader.provides.join(", "), reason: `${loader.packageName}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return {
    extraPaths,
    groups,
    skipped,
    async close() {
      for (const c of closers) await c();
    },
  };
}
