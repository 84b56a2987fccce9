/**
 * How native memory becomes an ArrayBuffer: zero-copy external buffers, or copies where the runtime forbids
 * external buffers (Electron's V8 memory cage).
 */
import { FFIError } from "@ffi-kit/core";
import { invalidArgValue, describeReceived } from "@ffi-kit/core/internal";
import { native } from "./native-addon.js";

/**
 * - `"auto"` (default): external buffers; if the runtime refuses them, switch to `"copy"` for the rest of the process.
 * - `"external"`: external buffers only; where refused, throw `ERR_FFI_EXTERNAL_BUFFERS_FORBIDDEN`.
 * - `"copy"`: copy the bytes into a GC-owned ArrayBuffer and free the native memory at once. Safe everywhere;
 *   costs a copy, and writes to the view no longer reach the native memory.
 */
export type BufferMode = "auto" | "external" | "copy";

const MODES: readonly string[] = ["auto", "external", "copy"];

function initialMode(): BufferMode {
  const fromEnv = process.env.FFI_KIT_MEMORY_MODE;
  if (fromEnv === undefined || fromEnv === "") return "auto";
  if (MODES.includes(fromEnv)) return fromEnv as BufferMode;
  process.emitWarning(`FFI_KIT_MEMORY_MODE=${JSON.stringify(fromEnv)} is not one of "auto", "external", "copy": using "auto"`, {
    type: "FFIKitMemoryWarning",
    code: "FFI_KIT_MEMORY_MODE_INVALID",
  });
  return "auto";
}

let requested: BufferMode = initialMode();
/** true once copying is in force (requested, or chosen by "auto" after a refusal). */
export let copying = requested === "copy";

/**
 * Sets the buffer mode (also settable with the `FFI_KIT_MEMORY_MODE` environment variable).
 *
 * @example
 * setBufferMode("copy"); // e.g. in an Electron renderer
 */
export function setBufferMode(mode: BufferMode): void {
  if (typeof mode !== "string" || !MODES.includes(mode)) {
    throw invalidArgValue(`setBufferMode(): argument 1 must be "auto", "external" or "copy". Received ${describeReceived(mode)}`);
  }
  requested = mode;
  copying = mode === "copy";
}

/**
 * The mode in force: `"external"` (zero-copy) or `"copy"`.
 *
 * @example
 * if (bufferMode() === "copy") console.warn("native buffers are copied here");
 */
export function bufferMode(): "external" | "copy" {
  return copying ? "copy" : "external";
}

/** Whether this runtime accepts external ArrayBuffers (false under Electron's memory cage). */
export function externalBuffersAllowed(): boolean {
  return native.externalBuffersAllowed();
}

/**
 * Called when the runtime refused an external buffer: in "auto" mode, switch to copying (and say so once);
 * in "external" mode, throw.
 */
export function externalRefused(site: string): void {
  if (requested === "external") {
    throw new FFIError(
      "ERR_FFI_EXTERNAL_BUFFERS_FORBIDDEN",
      `${site}: this runtime forbids external ArrayBuffers (Electron's memory cage?). Use setBufferMode("copy") or ` +
        `FFI_KIT_MEMORY_MODE=copy to copy native memory into JS-owned buffers instead`,
    );
  }
  copying = true;
  process.emitWarning(
    "This runtime forbids external ArrayBuffers: native memory is now copied into JS-owned buffers and freed at once",
    { type: "FFIKitMemoryWarning", code: "FFI_KIT_MEMORY_COPYING" },
  );
}
