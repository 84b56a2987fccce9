#!/usr/bin/env node
// Compiles native/sancov-runtime.c (the coverage runtime the fuzzer preloads in its children) with the system C
// compiler into build/libffikit-sancov.so, or, with `--prebuild`, into prebuilds/<platform>-<arch>/ (stripped),
// which the published package ships. Skips a library newer than its source.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(pkg, "native", "sancov-runtime.c");
const prebuild = process.argv.includes("--prebuild");
const ext = process.platform === "darwin" ? "dylib" : "so";
const out = prebuild ? join(pkg, "prebuilds", `${process.platform}-${process.arch}`) : join(pkg, "build");
const lib = join(out, `libffikit-sancov.${ext}`);
mkdirSync(out, { recursive: true });
if (existsSync(lib) && statSync(lib).mtimeMs >= statSync(source).mtimeMs) {
  console.log(`sancov-runtime: ${lib} up to date`);
} else {
  const cc = process.env.CC || "cc";
  execFileSync(cc, ["-O2", "-shared", "-fPIC", "-Wall", "-Wextra", "-fno-builtin", "-o", lib, source, "-ldl"], { stdio: "inherit" });
  if (prebuild) execFileSync("strip", process.platform === "darwin" ? ["-x", lib] : ["--strip-unneeded", lib], { stdio: "inherit" });
  console.log(`sancov-runtime: wrote ${lib}`);
}
