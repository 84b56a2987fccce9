/**
 * Loads the package's node-addon-api addon (build/Release or prebuilds/<platform>-<arch>, through node-gyp-build). A missing or broken addon throws
 * one clear error that carries the underlying cause.
 */
import { loadNativeAddon } from "@ffi-kit/core/internal";

/** The addon's functions (see native/memory.cc). Pointers are numbers or bigints validated by the caller. */
export interface NativeMemory {
  view(address: number, byteLength: number, adjust: number): ArrayBuffer | null;
  copy(address: number, byteLength: number): ArrayBuffer;
  detach(buffer: ArrayBuffer): boolean;
  detachAndFree(buffer: ArrayBuffer | undefined, free: number | bigint, address: number, context: number | bigint | null, adjust: number): void;
  adjust(delta: number): void;
  withDeallocator(
    address: number,
    byteLength: number,
    context: number | bigint | null,
    deallocator: number | bigint,
    id: number,
  ): ArrayBuffer | null;
  release(id: number, buffer?: ArrayBuffer): boolean;
  /** Whether the entry of `id` exists and its deallocator has not run yet. */
  isLive(id: number): boolean;
  releaseAll(): number;
  copyAndDeallocate(address: number, byteLength: number, context: number | bigint | null, deallocator: number | bigint): ArrayBuffer;
  externalBuffersAllowed(): boolean;
  stats(): NativeDeallocatorStats;
}

/**
 * Counters of the addon's entries: buffers with a native deallocator (`toArrayBuffer`/`toBuffer` with one) and
 * `own()` with a native free pointer.
 */
export interface NativeDeallocatorStats {
  /** External buffers created with a native deallocator or free. */
  readonly created: number;
  /** Deallocators called by the buffer's finalizer (after garbage collection or at environment teardown). */
  readonly freedByFinalizer: number;
  /** Deallocators called early: `dispose()`, a scope's end, or process exit. */
  readonly freedByRelease: number;
  /** Buffers made in copying mode (deallocator called at once). */
  readonly copied: number;
  /** Deallocators not called yet. */
  readonly live: number;
  /** Bytes behind those. */
  readonly bytesLive: number;
}

/** The loaded addon. */
export const native: NativeMemory = loadNativeAddon<NativeMemory>("@ffi-kit/memory", new URL("..", import.meta.url), "ffi_kit_memory");
