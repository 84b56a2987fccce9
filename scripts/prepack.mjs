#!/usr/bin/env node
// `prepack` of every package: refuses npm (it would publish `workspace:*` ranges, which no registry install can
// resolve), checks that the package is built, and makes the prebuilt binaries (scripts/prebuild-addon.mjs) of the
// packages that have native parts. Arguments are passed on to prebuild-addon.mjs.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = resolve(".");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const agent = process.env.npm_config_user_agent ?? "";

const ranges = Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }).filter(([, v]) => String(v).startsWith("workspace:"));
if (ranges.length > 0 && !agent.startsWith("pnpm/")) {
  console.error(
    `${pkg.name}: pack and publish this package with pnpm (\`pnpm pack\`, \`pnpm publish\`, or \`pnpm release\` at the repository root).\n` +
      `${agent.split(" ")[0] || "This tool"} would leave ${ranges.map(([k, v]) => `"${k}": "${v}"`).join(", ")} in the tarball's package.json, ` +
      "which npm cannot install (EUNSUPPORTEDPROTOCOL); pnpm replaces workspace: ranges with the versions.",
  );
  process.exit(1);
}

for (const entry of [pkg.exports?.["."]?.default, pkg.exports?.["."]?.types].filter(Boolean)) {
  if (!existsSync(join(pkgDir, entry))) {
    console.error(`${pkg.name}: ${entry} is missing; build first (\`pnpm build\` at the repository root)`);
    process.exit(1);
  }
}
if (!existsSync(join(pkgDir, "LICENSE"))) {
  console.error(`${pkg.name}: LICENSE is missing`);
  process.exit(1);
}

const needsPrebuild = existsSync(join(pkgDir, "binding.gyp")) || process.argv.includes("--c-library");
if (needsPrebuild) {
  const script = join(dirname(fileURLToPath(import.meta.url)), "prebuild-addon.mjs");
  execFileSync(process.execPath, [script, ...process.argv.slice(2), pkgDir], { stdio: "inherit" });
}
