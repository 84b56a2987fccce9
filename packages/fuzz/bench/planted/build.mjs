#!/usr/bin/env node
// Builds the planted-bug library (bench/planted/planted.c) in up to four variants, into bench/planted/build/:
//   libplanted.so            plain `cc` (what a user who cannot rebuild ships): for the black-box mode
//   libplanted-cov.so        clang -fsanitize=fuzzer-no-link (SanitizerCoverage): for the coverage-guided mode
//   libplanted-asan.so       clang -fsanitize=address (the fuzzer preloads the ASan runtime in its children)
//   libplanted-cov-asan.so   both
// Usage: node bench/planted/build.mjs [--json]   (--json: print the paths built, and why a variant was not)
// The clang variants need clang and its runtime (Debian/Ubuntu: apt-get install clang libclang-rt-dev); without
// clang only the plain library is built and the others are reported missing. A library newer than its source is
// not rebuilt. Also importable: `buildPlanted()` returns the same object.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const PLANTED_SOURCE = join(here, "planted.c");
export const PLANTED_BUILD_DIR = join(here, "build");

const common = ["-g", "-O1", "-shared", "-fPIC", "-Wall", "-Wno-unused-function"];
const VARIANTS = {
  plain: { file: "libplanted.so", compiler: () => process.env.CC || "cc", flags: [] },
  coverage: { file: "libplanted-cov.so", compiler: clang, flags: ["-fsanitize=fuzzer-no-link"] },
  asan: { file: "libplanted-asan.so", compiler: clang, flags: ["-fsanitize=address"] },
  coverageAsan: { file: "libplanted-cov-asan.so", compiler: clang, flags: ["-fsanitize=fuzzer-no-link,address"] },
};

function clang() {
  if (process.env.CLANG) return process.env.CLANG;
  for (const name of ["clang", "clang-14", "clang-15", "clang-16", "clang-17", "clang-18", "clang-19"]) {
    try {
      execFileSync(name, ["--version"], { stdio: "ignore" });
      return name;
    } catch {}
  }
  return undefined;
}

/**
 * Builds every variant it can. Returns `{ plain, coverage, asan, coverageAsan }`, each a library path or
 * `undefined`, and `missing`: the reason for each variant not built.
 */
export function buildPlanted() {
  mkdirSync(PLANTED_BUILD_DIR, { recursive: true });
  const source = statSync(PLANTED_SOURCE).mtimeMs;
  const out = { missing: {} };
  for (const [name, v] of Object.entries(VARIANTS)) {
    const lib = join(PLANTED_BUILD_DIR, v.file);
    const compiler = v.compiler();
    if (compiler === undefined) {
      out.missing[name] = "clang not found (apt-get install clang libclang-rt-dev)";
      continue;
    }
    if (!(existsSync(lib) && statSync(lib).mtimeMs >= source)) {
      try {
        execFileSync(compiler, [...common, ...v.flags, "-o", lib, PLANTED_SOURCE], { stdio: ["ignore", "pipe", "pipe"] });
      } catch (error) {
        out.missing[name] = `${compiler} ${v.flags.join(" ")} failed: ${String(error.stderr ?? error.message).trim().split("\n").slice(-3).join(" ")}`;
        continue;
      }
    }
    out[name] = lib;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const built = buildPlanted();
  if (process.argv.includes("--json")) console.log(JSON.stringify(built, null, 2));
  else {
    for (const name of Object.keys(VARIANTS)) console.log(`${name}: ${built[name] ?? `not built (${built.missing[name]})`}`);
  }
  if (built.plain === undefined) process.exit(1);
}
