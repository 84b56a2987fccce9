import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { FFIError } from "./errors.js";

const require = createRequire(import.meta.url);

/**
 * Loads an ffi-kit package's node-addon-api addon. A missing or broken addon throws one `FFIError`
 * (`ERR_FFI_ADDON_MISSING`) that names the package, the file and how to build it, with the loader's error as cause.
 *
 * @example
 * export const native = loadNativeAddon<NativeMemory>("@ffi-kit/memory", new URL("../build/Release/ffi_kit_memory.node", import.meta.url));
 */
export function loadNativeAddon<T>(packageName: string, addon: URL): T {
  const file = fileURLToPath(addon);
  try {
    return require(file) as T;
  } catch (cause) {
    throw new FFIError(
      "ERR_FFI_ADDON_MISSING",
      `${packageName}: cannot load its native addon at ${file} (build it with \`npm run build\` in ${packageName}): ${
        (cause as Error)?.message ?? String(cause)
      }`,
      { cause },
    );
  }
}
