/**
 * How native memory becomes an ArrayBuffer: zero-copy external buffers, or copies where the runtime forbids
 * external buffers (Electron's V8 memory cage). One strategy object is in force at a time; it changes only when the
 * mode is set or the runtime refuses an external buffer, never per call.
 */
import { FFIError } from "@ffi-kit/core";
import { invalidArgValue, describeReceived } from "@ffi-kit/core/internal";
import { adjustmentFor, link, release, stamp, watch, type Allocation } from "./allocation.js";
import { native } from "./native-addon.js";

/**
 * - `"auto"` (default): external buffers; if the runtime refuses them, switch to `"copy"` for the rest of the process.
 * - `"external"`: external buffers only; where refused, throw `ERR_FFI_EXTERNAL_BUFFERS_FORBIDDEN`.
 * - `"copy"`: copy the bytes into a GC-owned ArrayBuffer and free the native memory at once. Safe everywhere;
 *   costs a copy, and writes to the view no longer reach the native memory.
 */
export type BufferMode = "auto" | "external" | "copy";

/** Makes the ArrayBuffer of a new (validated, not yet linked) allocation, and enters the allocation. */
interface BufferStrategy {
  readonly mode: "external" | "copy";
  adopt(allocation: Allocation, site: string): ArrayBuffer;
}

/** Zero-copy: an external ArrayBuffer over the native bytes, freed later by dispose, GC or exit. */
const external: BufferStrategy = {
  mode: "external",
  adopt(allocation, site) {
    const buffer =
      allocation.kind === "js"
        ? native.view(allocation.address, allocation.byteLength, adjustmentFor(allocation.byteLength))
        : native.withDeallocator(allocation.address, allocation.byteLength, allocation.context, allocation.free, allocation.id);
    if (buffer === null) {
      // Refused (nothing was adopted, nothing freed): switch to copying, or throw in "external" mode.
      externalRefused(site);
      return strategy.adopt(allocation, site);
    }
    link(allocation);
    stamp(buffer, allocation);
    watch(buffer, allocation);
    return buffer;
  },
};

/** Copying: a GC-owned copy of the bytes; the native memory is freed at once (the allocation ends "copied"). */
const copying: BufferStrategy = {
  mode: "copy",
  adopt(allocation) {
    const buffer =
      allocation.kind === "deallocator"
        ? native.copyAndDeallocate(allocation.address, allocation.byteLength, allocation.context, allocation.free)
        : native.copy(allocation.address, allocation.byteLength);
    link(allocation);
    stamp(buffer, allocation);
    // Frees the native memory (a deallocator buffer's went in copyAndDeallocate: this only counts it).
    release(allocation, "copied", undefined);
    return buffer;
  },
};

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
let strategy: BufferStrategy = requested === "copy" ? copying : external;

/** Makes the buffer of a new allocation with the strategy in force, and enters the allocation. */
export function adopt(allocation: Allocation, site: string): ArrayBuffer {
  return strategy.adopt(allocation, site);
}

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
  strategy = mode === "copy" ? copying : external;
}

/**
 * The mode in force: `"external"` (zero-copy) or `"copy"`.
 *
 * @example
 * if (bufferMode() === "copy") console.warn("native buffers are copied here");
 */
export function bufferMode(): "external" | "copy" {
  return strategy.mode;
}

/** Whether this runtime accepts external ArrayBuffers (false under Electron's memory cage). */
export function externalBuffersAllowed(): boolean {
  return native.externalBuffersAllowed();
}

/**
 * Called when the runtime refused an external buffer: in "auto" mode, switch to copying (and say so once);
 * in "external" mode, throw.
 */
function externalRefused(site: string): void {
  if (requested === "external") {
    throw new FFIError(
      "ERR_FFI_EXTERNAL_BUFFERS_FORBIDDEN",
      `${site}: this runtime forbids external ArrayBuffers (Electron's memory cage?). Use setBufferMode("copy") or ` +
        `FFI_KIT_MEMORY_MODE=copy to copy native memory into JS-owned buffers instead`,
    );
  }
  strategy = copying;
  process.emitWarning(
    "This runtime forbids external ArrayBuffers: native memory is now copied into JS-owned buffers and freed at once",
    { type: "FFIKitMemoryWarning", code: "FFI_KIT_MEMORY_COPYING" },
  );
}
