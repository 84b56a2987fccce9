/**
 * Loads the package's node-addon-api addon (build/Release or prebuilds/<platform>-<arch>, through node-gyp-build). A missing or broken addon throws
 * one clear error that carries the underlying cause.
 */
import { loadNativeAddon } from "@ffi-kit/core/internal";

/** Opaque handle of one native callback context. */
export type NativeHandle = object & { readonly __nativeHandle: unique symbol };

/** What `create` returns (see native/callbacks.cc). */
export interface NativeCallback {
  readonly handle: NativeHandle;
  readonly ptr: number;
  readonly slot: number;
  readonly generation: number;
  /** Records of one batch: word 0 = result slot, words 1.. = arguments. */
  readonly batch: ArrayBuffer;
  /** Words per record. */
  readonly stride: number;
}

/** The addon's functions. Arguments are validated by the TypeScript side. */
export interface NativeCallbacks {
  /**
   * `pumpPtr`: a koffi-registered `void ()` running `pump`; `syncPtr`: a koffi-registered callback of the same
   * signature (non-void only, else 0). The JS thread calls into JS through them (see CallSync in callbacks.cc).
   */
  create(args: readonly number[], returns: number, capacity: number, policy: number, pump: () => void, pumpPtr: number, syncPtr: number): NativeCallback;
  /**
   * >0 records in the batch; 0 idle (asleep); -1 finished (closed and empty); -2 closing with calls still inside;
   * -3 empty, not asleep (when `maySleep` is false).
   */
  drain(handle: NativeHandle, maySleep: boolean): number;
  reply(handle: NativeHandle, index: number): void;
  /** Returns true once the context has finished. */
  close(handle: NativeHandle, discard: boolean, fromIndex: number): boolean;
  stats(handle: NativeHandle, out: Float64Array): boolean;
  rejected(slot: number, generation: number): number;
  setRef(handle: NativeHandle, ref: boolean): void;
  readonly supported: boolean;
  readonly poolSize: number;
  readonly maxArgs: number;
  /** Integer/pointer argument registers of the C calling convention the trampolines read (6 on x86-64, 8 on AArch64). */
  readonly gpRegisters: number;
  /** Floating-point argument registers (8). */
  readonly fpRegisters: number;
  /** Stack slots after the registers (8). */
  readonly stackSlots: number;
}

/** The loaded addon. */
export const native: NativeCallbacks = loadNativeAddon<NativeCallbacks>("@ffi-kit/callbacks", new URL("..", import.meta.url), "ffi_kit_callbacks");
