#!/usr/bin/env node
// Builds core's optional fast-call engine (binding.gyp: native/fast_engine.cc, and native/callback_thunks.cc, the
// JSCallback thunks) for the RUNNING Node, against its own headers, into
// fast-engine/<platform>-<arch>-abi<modules>/ffi_kit_fast.node. The engine uses V8's Fast API,
// which has no stable ABI: each Node major needs its own build, and core loads only the one whose ABI is the
// running Node's. A failed build is not an error (core then calls through koffi): the script says why and exits 0,
// unless FFI_KIT_FAST_ENGINE_REQUIRED=1.
//   node scripts/build-fast-engine.mjs        (skips when the build is newer than its sources)
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tag = `${process.platform}-${process.arch}-abi${process.versions.modules}`;
const outDir = join(pkg, "fast-engine", tag);
const out = join(outDir, "ffi_kit_fast.node");
const stamp = join(outDir, "node-version");

function newest(dir) {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function giveUp(message) {
  console.error(`build-fast-engine: ${message}; core will call through koffi on Node ${process.versions.node}`);
  process.exit(process.env.FFI_KIT_FAST_ENGINE_REQUIRED === "1" ? 1 : 0);
}

const sources = Math.max(newest(join(pkg, "native")), statSync(join(pkg, "binding.gyp")).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
const builtBy = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : undefined;
if (existsSync(out) && statSync(out).mtimeMs > sources && builtBy === process.versions.node && !process.env.FFI_KIT_REBUILD) {
  console.log(`build-fast-engine: ${tag} up to date (Node ${builtBy})`);
  process.exit(0);
}
// The running Node's own headers, never another Node's (V8's layout differs between majors).
const nodedir = resolve(dirname(process.execPath), "..");
if (!existsSync(join(nodedir, "include", "node", "v8.h"))) giveUp(`no V8 headers in ${nodedir}/include/node`);
let gyp;
try {
  gyp = createRequire(join(pkg, "package.json")).resolve("node-gyp/bin/node-gyp.js");
} catch {
  giveUp("node-gyp is not installed");
}
try {
  execFileSync(process.execPath, [gyp, "rebuild", `--nodedir=${nodedir}`, "-j", "2"], {
    cwd: pkg,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
} catch (e) {
  giveUp(`node-gyp failed (${e.message.split("\n")[0]})`);
}
mkdirSync(outDir, { recursive: true });
copyFileSync(join(pkg, "build", "Release", "ffi_kit_fast.node"), out);
writeFileSync(stamp, `${process.versions.node}\n`);
console.log(`build-fast-engine: built ${join("fast-engine", tag, "ffi_kit_fast.node")} with Node ${process.versions.node}`);
