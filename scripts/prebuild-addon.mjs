#!/usr/bin/env node
// Makes the prebuilt binaries a package ships in its tarball (run by its `prepack`, or by `pnpm -r run prebuildify`):
// - `prebuildify --napi --strip` builds the package's N-API addon (binding.gyp) into
//   prebuilds/<platform>-<arch>/<target>.napi.<libc>.node, which node-gyp-build finds at run time. N-API is
//   ABI-stable, so one binary serves every supported Node version. Headers: the running Node's own.
// - `--c-library <file.c>` (repeatable) also compiles a plain C shared library the package loads with dlopen into
//   prebuilds/<platform>-<arch>/lib<name>.<so|dylib>, stripped.
// Skips what is newer than its sources (FFI_KIT_REBUILD=1 forces a rebuild).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "c-library": { type: "string", multiple: true } } });
const pkg = resolve(positionals[0] ?? ".");
const require = createRequire(join(pkg, "package.json"));
const tuple = `${process.platform}-${process.arch}`;
const out = join(pkg, "prebuilds", tuple);
const force = !!process.env.FFI_KIT_REBUILD;
const libc = process.platform === "linux" ? (existsSync("/etc/alpine-release") ? "musl" : "glibc") : "";

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}
const upToDate = (file, ...sources) => !force && existsSync(file) && statSync(file).mtimeMs > Math.max(...sources.map(newest));

const headers = dirname(dirname(process.execPath));
if (!existsSync(join(headers, "include", "node", "node_api.h"))) {
  console.error(`prebuild-addon: the running Node (${process.execPath}) has no headers in ${join(headers, "include", "node")}`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });

if (existsSync(join(pkg, "binding.gyp"))) {
  const gyp = JSON.parse(readFileSync(join(pkg, "binding.gyp"), "utf8"));
  const target = gyp.targets[0].target_name;
  const name = `${target}.napi`;
  const file = join(out, `${name}${libc ? `.${libc}` : ""}.node`);
  if (upToDate(file, join(pkg, "native"), join(pkg, "binding.gyp"))) {
    console.log(`prebuild-addon: ${file} up to date`);
  } else {
    const bin = require.resolve("prebuildify/bin.js");
    const nodeGyp = join(dirname(require.resolve("node-gyp/package.json")), "bin", "node-gyp.js");
    const args = [bin, "--napi", "--strip", `--target=${process.versions.node}`, `--name=${name}`, ...(libc ? ["--tag-libc"] : [])];
    execFileSync(process.execPath, args, {
      cwd: pkg,
      stdio: "inherit",
      // node-gyp reads npm_config_nodedir: the running Node's headers, whatever npm's own configuration says.
      env: { ...process.env, npm_config_nodedir: headers, PREBUILD_NODE_GYP: `${process.execPath} ${nodeGyp}`, PREBUILD_SHELL: "/bin/sh" },
    });
    if (!existsSync(file)) {
      console.error(`prebuild-addon: prebuildify did not write ${file}`);
      process.exit(1);
    }
    console.log(`prebuild-addon: wrote ${file}`);
  }
}

const ext = process.platform === "darwin" ? "dylib" : "so";
for (const source of values["c-library"] ?? []) {
  const src = join(pkg, source);
  const lib = join(out, `lib${basename(source, ".c")}.${ext}`);
  if (upToDate(lib, src)) {
    console.log(`prebuild-addon: ${lib} up to date`);
    continue;
  }
  execFileSync(process.env.CC || "cc", ["-O2", "-shared", "-fPIC", "-Wall", "-o", lib, src, "-lpthread", "-lm"], { stdio: "inherit" });
  execFileSync("strip", process.platform === "darwin" ? ["-x", lib] : ["--strip-unneeded", lib], { stdio: "inherit" });
  console.log(`prebuild-addon: wrote ${lib}`);
}
