import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FFIError } from "./errors.js";

const require = createRequire(import.meta.url);

/**
 * Loads an ffi-kit package's node-addon-api addon the way node-gyp-build does: a local build first
 * (`build/Release`, `build/Debug`), then the prebuilt binary for this platform (`prebuilds/<platform>-<arch>/`).
 * If none loads, throws one `FFIError` (`ERR_FFI_ADDON_MISSING`) that lists every file tried with why it failed,
 * and says what to install; `cause` is an `AggregateError` of the load errors.
 *
 * @example
 * export const native = loadNativeAddon<NativeMemory>("@ffi-kit/memory", new URL("..", import.meta.url), "ffi_kit_memory");
 */
export function loadNativeAddon<T>(packageName: string, packageDir: URL, addonName: string): T {
  const dir = fileURLToPath(packageDir);
  const tuple = `${process.platform}-${process.arch}`;
  const tried: string[] = [];
  const errors: Error[] = [];
  const candidates = [join(dir, "build", "Release", `${addonName}.node`), join(dir, "build", "Debug", `${addonName}.node`)];
  const prebuilds = join(dir, "prebuilds");
  const shipped = existsSync(prebuilds) ? readdirSync(prebuilds) : [];
  try {
    const nodeGypBuild = require("node-gyp-build") as { resolve(dir: string): string };
    candidates.push(nodeGypBuild.resolve(dir));
  } catch (cause) {
    const reason = `node-gyp-build found no prebuilt addon for ${tuple}: ${((cause as Error)?.message ?? String(cause)).trim()}`;
    tried.push(`${join(prebuilds, tuple)}: ${reason}`);
    errors.push(new Error(reason, { cause }));
  }
  // Every binary of this platform, in case the one node-gyp-build picked (a local build, say) does not load.
  const own = join(prebuilds, tuple);
  if (existsSync(own)) for (const f of readdirSync(own).sort()) if (f.endsWith(".node")) candidates.push(join(own, f));
  for (const file of new Set(candidates)) {
    if (!existsSync(file)) {
      tried.push(`${file}: not found`);
      errors.push(new Error(`${file}: not found`));
      continue;
    }
    try {
      return require(file) as T;
    } catch (cause) {
      const message = (cause as Error)?.message ?? String(cause);
      tried.push(`${file}: ${message}`);
      errors.push(cause instanceof Error ? cause : new Error(message));
    }
  }
  throw new FFIError(
    "ERR_FFI_ADDON_MISSING",
    `${packageName}: cannot load its native addon (${addonName}.node) on ${tuple}, Node ${process.versions.node}. Tried:\n` +
      tried.map((t) => `  - ${t}`).join("\n") +
      `\n${shipped.length ? `The package ships prebuilt addons for ${shipped.join(", ")}` : "This copy of the package has no prebuilt addons"}; elsewhere the addon is built from source when the package is installed, ` +
      `which needs Python 3, make and a C++17 compiler (node-gyp's requirements). Install them, then run ` +
      `\`npm rebuild ${packageName}\` (with pnpm: allow the package's build script with \`pnpm approve-builds\`, then \`pnpm rebuild ${packageName}\`).`,
    { cause: new AggregateError(errors, `${packageName}: every candidate addon failed to load`) },
  );
}
