/**
 * The seam through which @ffi-kit/memory and @ffi-kit/callbacks extend core. Core never imports them: each
 * registers itself here when imported, and core, without it, throws an error naming the package to import.
 */
import { FFIError } from "./errors.js";

/** Creates an ArrayBuffer over native memory whose deallocator runs exactly once when it is collected. */
export interface DeallocatorProvider {
  /**
   * @param address validated address of the first byte (already includes byteOffset)
   * @param byteLength number of bytes (> 0)
   * @param context `deallocatorContext` as given (pointer value or null)
   * @param deallocator `void (*)(void *bytes, void *context)`, as a pointer number or bigint
   */
  externalArrayBuffer(address: number, byteLength: number, context: number | bigint | null, deallocator: number | bigint): ArrayBuffer;
}

/** The signature of a callback as core planned it: FFIType numbers. */
export interface CallbackSignature {
  readonly args: readonly number[];
  readonly returns: number;
}

/** A native entry point created for a threadsafe JSCallback. */
export interface ThreadsafeCallbackHandle {
  readonly ptr: number;
  close(): void;
}

/** Creates threadsafe callbacks (the high-throughput queue of @ffi-kit/callbacks). */
export interface ThreadsafeCallbackFactory {
  create(fn: (...args: unknown[]) => unknown, signature: CallbackSignature): ThreadsafeCallbackHandle | undefined;
}

/** What an extension package can provide. */
export interface Extension {
  readonly name: string;
  readonly deallocator?: DeallocatorProvider;
  readonly threadsafeCallbacks?: ThreadsafeCallbackFactory;
}

let deallocatorProvider: DeallocatorProvider | undefined;
let threadsafeFactory: ThreadsafeCallbackFactory | undefined;

/**
 * Registers an extension with core. Called by @ffi-kit/memory and @ffi-kit/callbacks when imported; the last
 * registration of each capability wins.
 */
export function registerExtension(extension: Extension): void {
  if (extension.deallocator) deallocatorProvider = extension.deallocator;
  if (extension.threadsafeCallbacks) threadsafeFactory = extension.threadsafeCallbacks;
}

/** The registered deallocator provider, or an error that says which package to import. */
export function requireDeallocatorProvider(site: string): DeallocatorProvider {
  if (deallocatorProvider === undefined) {
    throw new FFIError(
      "ERR_FFI_EXTENSION_REQUIRED",
      `${site} with a deallocator needs @ffi-kit/memory: add \`import "@ffi-kit/memory";\` before calling it`,
    );
  }
  return deallocatorProvider;
}

/** The registered threadsafe callback factory, if any. */
export function threadsafeCallbackFactory(): ThreadsafeCallbackFactory | undefined {
  return threadsafeFactory;
}
