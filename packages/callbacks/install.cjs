#!/usr/bin/env node
// The package's install step. In the ffi-kit repository it builds the addon with the repository's script; in an
// installed package it runs node-gyp-build, which keeps the prebuilt addon in prebuilds/ when one loads on this
// platform and otherwise builds it from source with node-gyp, against the running Node's own headers when that
// Node ships them (npm's `nodedir` setting may name another Node).
// pnpm does not run this by default (dependencies' build scripts are off), which is fine wherever a prebuild matches.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const { dirname, join } = require("node:path");

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
