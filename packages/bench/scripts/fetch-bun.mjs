#!/usr/bin/env node
// Fetches Bun 1.4.5 for the suite's bun:ffi column through the npm registry (the binary ships inside
// @oven/bun-<platform>-<arch>), unpacked into .bun/package/bin/bun (git-ignored). See ../../shared anchors README.
import { execFileSync } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../.bun", import.meta.url));
const bin = join(dir, "package", "bin", "bun");
if (existsSync(bin)) {
  console.log(`fetch-bun: ${bin} already there`);
  process.exit(0);
}
mkdirSync(dir, { recursive: true });
const pkg = `@oven/bun-${process.platform}-${process.arch}@1.4.5`;
const tgz = execFileSync("npm", ["pack", pkg, "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop();
execFileSync("tar", ["xzf", join(dir, tgz), "-C", dir]);
console.log(`fetch-bun: ${bin}`);
