/** Paths of the suite's native parts: the C library (test/fixtures/bench.c) and the N-API floor addon. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadNativeAddon } from "@ffi-kit/core/internal";
import { FFIError } from "@ffi-kit/core";

/** The package folder (this file lives in dist/ or src/). */
export const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** Absolute path of libbench.so, built by the package's build script from test/fixtures/bench.c. */
export const benchLibraryPath = fileURLToPath(new URL(`../test/fixtures/build/libbench.${process.platform === "darwin" ? "dylib" : "so"}`, import.meta.url));

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
    throw new FFIError("ERR_FFI_BENCH_NOT_BUILT", `@ffi-kit/bench: ${benchLibraryPath} is missing; build the package first (pnpm --filter @ffi-kit/bench build)`);
  }
}

/** Loads build/Release/ffi_kit_bench_floor.node; one clear error (ERR_FFI_ADDON_MISSING) with the cause if it is missing. */
export function loadFloorAddon(): FloorAddon {
  return loadNativeAddon<FloorAddon>("@ffi-kit/bench", new URL("../build/Release/ffi_kit_bench_floor.node", import.meta.url));
}
