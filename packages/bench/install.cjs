#!/usr/bin/env node
// The package's install step. In the ffi-kit repository it builds the addon with the repository's script; in an
// installed package it runs node-gyp-build, which keeps the prebuilt addon in prebuilds/ when one loads on this
// platform and otherwise builds it from source with node-gyp, against the running Node's own headers when that
// Node ships them (npm's `nodedir` setting may name another Node).
// Then the C library the suite calls (libbench) is compiled from source with `cc` if no prebuilt one matches.
// pnpm does not run this by default (dependencies' build scripts are off), which is fine wherever a prebuild matches.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync, mkdirSync } = require("node:fs");
const { basename, dirname, join } = require("node:path");

const repoBuild = join(__dirname, "..", "..", "scripts", "build-addon.mjs");
if (existsSync(repoBuild) && existsSync(join(__dirname, "..", "..", "pnpm-workspace.yaml"))) {
  process.exit(spawnSync(process.execPath, [repoBuild], { cwd: __dirname, stdio: "inherit" }).status ?? 1);
}

const env = { ...process.env };
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, "include", "node", "node_api.h"))) env.npm_config_nodedir = prefix;
const nodeGypBuild = dirname(require.resolve("node-gyp-build/package.json"));
// node-gyp-build's own check (build-test.js loads the addon it would pick), run directly rather than through PATH.
const prebuilt = spawnSync(process.execPath, [join(nodeGypBuild, "build-test.js")], { cwd: __dirname, stdio: "ignore", env });
if (prebuilt.status !== 0) {
  const built = spawnSync(process.execPath, [join(nodeGypBuild, "bin.js")], { cwd: __dirname, stdio: "inherit", env: { ...env, npm_config_build_from_source: "true" } });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
// Plain C libraries the package opens with dlopen: prebuilt in prebuilds/<platform>-<arch>/, else compiled here.
const C_LIBRARIES = ["test/fixtures/bench.c"];
const ext = process.platform === "darwin" ? "dylib" : "so";
for (const source of C_LIBRARIES) {
  const name = `lib${basename(source, ".c")}.${ext}`;
  if (existsSync(join(__dirname, "prebuilds", `${process.platform}-${process.arch}`, name))) continue;
  mkdirSync(join(__dirname, "build"), { recursive: true });
  const cc = process.env.CC || "cc";
  const r = spawnSync(cc, ["-O2", "-shared", "-fPIC", "-o", join("build", name), source, "-lpthread", "-lm"], { cwd: __dirname, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${require("./package.json").name}: no prebuilt ${name} for ${process.platform}-${process.arch}, and \`${cc}\` could not build it from ${source}${r.error ? ` (${r.error.message})` : ""}: install a C compiler, then reinstall the package`);
    process.exit(1);
  }
}
