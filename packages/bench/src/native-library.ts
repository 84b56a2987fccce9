/** Paths of the suite's native parts: the C library (test/fixtures/bench.c) and the N-API floor addon. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadNativeAddon } from "@ffi-kit/core/internal";
import { FFIError } from "@ffi-kit/core";

/** The package folder (this file lives in dist/ or src/). */
export const packageDir = fileURLToPath(new URL("..", import.meta.url));

const libraryName = `libbench.${process.platform === "darwin" ? "dylib" : "so"}`;

/**
 * Where libbench (compiled from test/fixtures/bench.c) may be, first match wins: the repository's build, the
 * package's install-time build from source, the prebuilt binary the published package ships for this platform.
 */
export const benchLibraryCandidates: readonly string[] = [
  join(packageDir, "test", "fixtures", "build", libraryName),
  join(packageDir, "build", libraryName),
  join(packageDir, "prebuilds", `${process.platform}-${process.arch}`, libraryName),
];

/** Absolute path of libbench, the C library the suite calls (the last candidate when none exists yet). */
export const benchLibraryPath: string = benchLibraryCandidates.find((p) => existsSync(p)) ?? benchLibraryCandidates[benchLibraryCandidates.length - 1]!;

/** The functions of native/floor.cc. */
export interface FloorAddon {
  noop(): undefined;
  addI32(a: number, b: number): number;
  addF64(a: number, b: number): number;
  retI64(): bigint;
  sumBuf(view: ArrayBufferView, n: number): number;
  getHello(): string;
  callCbN(fn: (i: number) => number, n: number): number;
  /** `process.hrtime`-compatible clock of the calling thread's CPU time. */
  threadCpuHrtime(previous?: readonly [number, number]): [number, number];
}

/** Throws one clear error (with the cause) when the suite's native parts are not built. */
export function requireBuilt(): void {
  if (!existsSync(benchLibraryPath)) {
    throw new FFIError(
      "ERR_FFI_BENCH_NOT_BUILT",
      `@ffi-kit/bench: the suite's C library (${libraryName}) was not found for ${process.platform}-${process.arch}. Tried:\n` +
          benchLibraryCandidates.map((p) => `  - ${p}: not found`).join("\n") +
          `\nThe package ships it prebuilt for linux-x64; elsewhere its install step compiles test/fixtures/bench.c with \`cc\`: ` +
          "install a C compiler, then run `npm rebuild @ffi-kit/bench` (with pnpm: `pnpm approve-builds`, then `pnpm rebuild @ffi-kit/bench`).",
    );
  }
}

/** Loads the floor addon (build/Release, else prebuilds/<platform>-<arch>); one clear error (ERR_FFI_ADDON_MISSING) with the cause if it is missing. */
export function loadFloorAddon(): FloorAddon {
  return loadNativeAddon<FloorAddon>("@ffi-kit/bench", new URL("..", import.meta.url), "ffi_kit_bench_floor");
}
