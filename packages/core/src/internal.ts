/**
 * `@ffi-kit/core/internal`: what the other ffi-kit packages build on, and only that (each name is used by a sibling
 * package). Not part of the bun:ffi surface; may change between minor versions. Extension points are in
 * `@ffi-kit/core/extension`; native memory is reached only through the checked readers here, never raw koffi
 * (test/layout.test.ts holds this entry to that).
 */
// Errors in Node's style (memory, callbacks, bindgen).
export { describeReceived, invalidArgType, invalidArgValue, outOfRange, withCode } from "./errors.js";
// Pointers and view geometry through the built-in getters (memory).
export { checkedAddress } from "./pointer.js";
export { geometryOf, underlyingBuffer } from "./view-geometry.js";
// Checked native memory and C aggregate types (bindgen).
export { readCString, decodeStruct, structType, unionType, pointerType, type NativeAggregate } from "./checked-readers.js";
// Libraries (bindgen).
export { openLibraryHandle, type Guard, type NativeType } from "./library-handle.js";
// Declarations and the code generator (callbacks, bindgen).
export { resolveSignature } from "./signature.js";
export { planArgument } from "./conversion-codegen.js";
export { zeroValue } from "./converters.js";
export { compileUnit, mergeBindings, type Bindings } from "./codegen.js";
export { generatedGlobals } from "./globals.js";
// Native addons and per-object slots (memory, callbacks, bench).
export { loadNativeAddon } from "./native-addon.js";
export { privateSlot } from "./private-slot.js";
