/**
 * Built-ins captured when @ffi-kit/core loads, so that user code replacing `Math.trunc`, `BigInt` or
 * `ArrayBuffer.isView` later cannot change how values cross the boundary. Library code imports them from here;
 * generated code receives them through {@link generatedGlobals} (bound by name in every compiled function).
 * View geometry (lengths, detached buffers) read through the built-in getters is in view-geometry.ts.
 */
import { typedArrayLength } from "./view-geometry.js";

export const SafeNumber = Number;
export const SafeBigInt = BigInt;
export const SafeObject = Object;
export const SafeArrayBuffer = ArrayBuffer;
export const SafeSharedArrayBuffer: SharedArrayBufferConstructor | undefined =
  typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : undefined;
export const SafeUint8Array = Uint8Array;
export const SafeFunction = Function;
export const safeTrunc = Math.trunc;
export const safeIsView = ArrayBuffer.isView;
export const safeAsIntN = BigInt.asIntN;
export const safeAsUintN = BigInt.asUintN;
export const safeIsArray = Array.isArray;
export const safeDefineProperty = Object.defineProperty;
export const safeFreeze = Object.freeze;
export const safeCaptureStackTrace: ((target: object, constructorOpt?: Function) => void) | undefined = (
  Error as { captureStackTrace?: (target: object, constructorOpt?: Function) => void }
).captureStackTrace;

/**
 * The built-ins generated code may name. Every compiled function gets these bindings, by these names; a fragment
 * that uses one lists it in its bindings, so the generator can check that nothing is free.
 */
export const generatedGlobals = safeFreeze({
  $trunc: safeTrunc,
  $isView: safeIsView,
  // A TypedArray's element count from the built-in getter (-1 for anything else): a forged `length` never counts.
  $viewLength: typedArrayLength,
  $BigInt: SafeBigInt,
  $asUintN: safeAsUintN,
});
