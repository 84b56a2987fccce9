/**
 * What extensions registered (see `@ffi-kit/core/extension`), and the functions core calls to use it. Core never
 * imports @ffi-kit/memory or @ffi-kit/callbacks: each registers itself when imported, and core, without it, throws
 * an error naming the package to import.
 */
import { FFIError, withCode } from "./errors.js";
import { isDetachedBuffer, underlyingBuffer } from "./view-geometry.js";

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

/**
 * Inspects an empty view (zero length: possibly detached, e.g. freed by @ffi-kit/memory) before core passes it to
 * native code or takes its address, and throws if it must not be used. Returns normally otherwise.
 */
export type ViewCheck = (view: ArrayBufferView | ArrayBufferLike, site: string) => void;

/**
 * A kind of object that stands for a native address (JSCallback, CString, ThreadsafeCallback...): where a pointer
 * argument is expected, core passes `addressOf(value)` for a value `is` accepts.
 */
export interface AddressCarrier {
  /** Whether `value` is of this kind (an `instanceof` check). */
  is(value: object): boolean;
  /** The address to pass; `null`/`undefined` pass NULL. Throws to refuse the value (a closed callback). */
  addressOf(value: object): number | bigint | null | undefined;
}

/** What an extension package can provide. Every field is optional; `name` says who registered it. */
export interface Extension {
  readonly name: string;
  /** Backs the 5-argument `toArrayBuffer` (a native deallocator that runs exactly once). */
  readonly deallocator?: DeallocatorProvider;
  /** Backs `new JSCallback(fn, { threadsafe: true })`. */
  readonly threadsafeCallbacks?: ThreadsafeCallbackFactory;
  /** Inspects empty views before core passes them to C or takes their address. */
  readonly checkView?: ViewCheck;
  /** Kinds of objects that may be passed as pointer arguments. */
  readonly addressCarriers?: readonly AddressCarrier[];
}

let deallocatorProvider: DeallocatorProvider | undefined;
const viewChecks: ViewCheck[] = [];
let threadsafeFactory: ThreadsafeCallbackFactory | undefined;
const carriers: AddressCarrier[] = [];

/**
 * Registers an extension with core. Called by @ffi-kit/memory and @ffi-kit/callbacks when imported; the last
 * registration of a deallocator or of threadsafe callbacks wins; view checks and address carriers add up.
 *
 * @example
 * import { registerExtension } from "@ffi-kit/core/extension";
 * registerExtension({ name: "my-handles", addressCarriers: [{ is: (v) => v instanceof Handle, addressOf: (v) => (v as Handle).address }] });
 */
export function registerExtension(extension: Extension): void {
  if (extension.deallocator) deallocatorProvider = extension.deallocator;
  if (extension.threadsafeCallbacks) threadsafeFactory = extension.threadsafeCallbacks;
  if (extension.checkView && !viewChecks.includes(extension.checkView)) viewChecks.push(extension.checkView);
  for (const c of extension.addressCarriers ?? []) if (!carriers.includes(c)) carriers.push(c);
}

/** The carrier that accepts `value`, if any. */
export function addressCarrierFor(value: object): AddressCarrier | undefined {
  for (const c of carriers) if (c.is(value)) return c;
  return undefined;
}

/**
 * Called by core for an empty view on its way to native code (a pointer argument, `ptr()`): extensions may refuse
 * it with their own error (@ffi-kit/memory: `ERR_FFI_USE_AFTER_FREE`), and a detached buffer is always refused,
 * since its memory is gone and koffi would pass NULL.
 */
export function checkEmptyView(view: ArrayBufferView | ArrayBufferLike, site: string): void {
  for (const check of viewChecks) check(view, site);
  if (isDetachedBuffer(underlyingBuffer(view))) {
    throw withCode(
      new TypeError(`${site}: the view's ArrayBuffer is detached (transferred or freed); its memory cannot be passed to native code`),
      "ERR_INVALID_ARG_VALUE",
    );
  }
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
