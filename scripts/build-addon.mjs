#!/usr/bin/env node
// Builds the package's node-addon-api addon (binding.gyp, native/*.cc) into build/Release with node-gyp.
// Headers rule: always the RUNNING Node's own. First its prefix (dirname(dirname(process.execPath))) when it ships
// include/node/node_api.h; else $npm_config_nodedir, only if its headers are of the running version; else an
// error. (`npm config get nodedir` is never read: it may name another Node's headers.) No network is needed.
// Skips when the addon is up to date: newer than its sources and built by this same Node version.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const pkg = resolve(process.argv[2] ?? ".");
const require = createRequire(join(pkg, "package.json"));

const hasHeaders = (d) => existsSync(join(d, "include", "node", "node_api.h"));

/** The version in `<dir>/include/node/node_version.h`, e.g. "22.23.5", or undefined. */
function headersVersion(d) {
  try {
    const h = readFileSync(join(d, "include", "node", "node_version.h"), "utf8");
    const n = (name) => new RegExp(`^#define\\s+${name}\\s+(\\d+)`, "m").exec(h)?.[1];
    return `${n("NODE_MAJOR_VERSION")}.${n("NODE_MINOR_VERSION")}.${n("NODE_PATCH_VERSION")}`;
  } catch {
    return undefined;
  }
}

function nodedir() {
  const own = resolve(dirname(process.execPath), "..");
  if (hasHeaders(own)) return own;
  const configured = process.env.npm_config_nodedir;
  if (configured && hasHeaders(configured)) {
    const version = headersVersion(configured);
    if (version === process.versions.node) return configured;
    fail(`npm_config_nodedir=${configured} has the headers of Node ${version ?? "(unknown)"}, not of the running Node ${process.versions.node}`);
  }
  fail(`Node ${process.versions.node}'s headers were not found in ${own}/include/node; set npm_config_nodedir to a folder with its include/node/node_api.h`);
}

function fail(message) {
  console.error(`build-addon: ${message}`);
  process.exit(1);
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
// Which Node built the addon: rebuilt when another one runs the build (its headers may differ).
const stamp = join(release, "node-version");
const outputs = existsSync(release) ? readdirSync(release).filter((f) => f.endsWith(".node")) : [];
const built = outputs.length ? Math.min(...outputs.map((f) => statSync(join(release, f)).mtimeMs)) : 0;
const builtBy = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : undefined;
const sources = Math.max(newest(join(pkg, "native")), statSync(join(pkg, "binding.gyp")).mtimeMs);
if (built > sources && builtBy === process.versions.node && !process.env.FFI_KIT_REBUILD) {
  console.log(`build-addon: ${outputs.join(", ")} up to date (Node ${builtBy})`);
  process.exit(0);
}
const dir = nodedir();
const gyp = require.resolve("node-gyp/bin/node-gyp.js");
const args = [gyp, "rebuild", `--nodedir=${dir}`, "-j", "2"];
if (process.env.FFI_KIT_DEBUG_ADDON) args.push("--debug");
execFileSync(process.execPath, args, { cwd: pkg, stdio: "inherit", env: { ...process.env, npm_config_nodedir: dir } });
writeFileSync(stamp, `${process.versions.node}\n`);
