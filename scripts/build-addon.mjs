#!/usr/bin/env node
// Builds the package's node-addon-api addon (binding.gyp, native/*.cc) into build/Release with node-gyp.
// The headers are always the running Node's own (<prefix>/include/node, where <prefix> is
// dirname(dirname(process.execPath))), never npm's `nodedir` setting, which may name another Node.
// Skips when the addon is up to date.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const pkg = resolve(process.argv[2] ?? ".");
const require = createRequire(join(pkg, "package.json"));

function nodedir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const release = join(pkg, "build", "Release");
const outputs = existsSync(release) ? readdirSync(release).filter((f) => f.endsWith(".node")) : [];
const built = outputs.length ? Math.min(...outputs.map((f) => statSync(join(release, f)).mtimeMs)) : 0;
const sources = Math.max(newest(join(pkg, "native")), statSync(join(pkg, "binding.gyp")).mtimeMs);
if (built > sources && !process.env.FFI_KIT_REBUILD) {
  console.log(`build-addon: ${outputs.join(", ")} up to date`);
  process.exit(0);
}
const dir = nodedir();
if (!dir) {
  console.error(`build-addon: the running Node (${process.execPath}) has no headers in ${join(dirname(dirname(process.execPath)), "include", "node")}; use a Node install that ships them (the official tarballs do)`);
  process.exit(1);
}
const gyp = require.resolve("node-gyp/bin/node-gyp.js");
const args = [gyp, "rebuild", `--nodedir=${dir}`, "-j", "2"];
if (process.env.FFI_KIT_DEBUG_ADDON) args.push("--debug");
const env = { ...process.env, npm_config_nodedir: dir };
execFileSync(process.execPath, args, { cwd: pkg, stdio: "inherit", env });
