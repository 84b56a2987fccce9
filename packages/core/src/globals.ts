/**
 * Built-ins captured when @ffi-kit/core loads, so that user code replacing `Math.trunc`, `BigInt` or
 * `ArrayBuffer.isView` later cannot change how values cross the boundary. Library code imports them from here;
 * generated code receives them through {@link generatedGlobals} (bound by name in every compiled function).
 */
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

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayLengthGetter = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "length")!.get!;
const typedArrayByteLengthGetter = Object.getOwnPropertyDescriptor(TypedArrayPrototype, "byteLength")!.get!;
const dataViewByteLengthGetter = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength")!.get!;
const arrayBufferByteLengthGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
const call = Function.prototype.call.bind(Function.prototype.call) as (fn: Function, self: unknown, ...args: unknown[]) => unknown;

/** `view.length` through the built-in getter: a getter or own property a user defined is never run. Throws on a non-TypedArray. */
export function typedArrayLength(view: ArrayBufferView): number {
  return call(typedArrayLengthGetter, view) as number;
}
/** `byteLength` of a TypedArray, DataView or ArrayBuffer through the built-in getters (throws on a detached DataView). */
export function builtinByteLength(value: ArrayBufferView | ArrayBufferLike): number {
  if (safeIsView(value)) {
    return (value instanceof DataView ? call(dataViewByteLengthGetter, value) : call(typedArrayByteLengthGetter, value)) as number;
  }
  if (value instanceof SafeArrayBuffer) return call(arrayBufferByteLengthGetter, value) as number;
  return (value as ArrayBufferLike).byteLength;
}

/**
 * The built-ins generated code may name. Every compiled function gets these bindings, by these names; a fragment
 * that uses one lists it in its bindings, so the generator can check that nothing is free.
 */
export const generatedGlobals = safeFreeze({
  $trunc: safeTrunc,
  $isView: safeIsView,
  $BigInt: SafeBigInt,
  $asUintN: safeAsUintN,
});
