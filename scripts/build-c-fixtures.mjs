#!/usr/bin/env node
// Compiles every test/fixtures/*.c (system C compiler) and *.cpp (system C++ compiler) of a package into
// test/fixtures/build/lib<name>.so.
// Usage: node scripts/build-c-fixtures.mjs <fixtures-dir> [extra cc flags...]
// Skips a library that is newer than its source. Exits non-zero with the compiler's output on failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, basename, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? "test/fixtures");
const extra = process.argv.slice(3);
const out = join(dir, "build");
mkdirSync(out, { recursive: true });
const cc = process.env.CC || "cc";
const cxx = process.env.CXX || "c++";
const ext = process.platform === "darwin" ? "dylib" : "so";
let built = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".c") || f.endsWith(".cpp")).sort()) {
  const src = join(dir, file);
  const cpp = file.endsWith(".cpp");
  const lib = join(out, `lib${basename(file, cpp ? ".cpp" : ".c")}.${ext}`);
  if (existsSync(lib) && statSync(lib).mtimeMs >= statSync(src).mtimeMs) continue;
  const args = ["-O2", "-g", "-shared", "-fPIC", "-Wall", "-Wextra", "-Wno-unused-parameter", "-o", lib, src, "-lpthread", "-lm", ...extra];
  try {
    execFileSync(cpp ? cxx : cc, cpp ? [...args, "-std=c++17"] : args, { stdio: ["ignore", "inherit", "inherit"] });
  } catch (e) {
    console.error(`build-c-fixtures: ${cpp ? cxx : cc} failed for ${src}`);
    process.exit(1);
  }
  built++;
}
console.log(`build-c-fixtures: ${built} built in ${out}`);
