/**
 * The koffi type each FFI type is declared as, by direction. Pointers come back as numbers (`uintptr_t`: faster
 * than a bigint or an External); the wrapper turns 2^53 and above into bigints.
 */
import type { Signature } from "./signature.js";

/** koffi's name for each type when it is an argument (index = type number). */
export const koffiArgType: readonly string[] = Object.freeze([
  "int8_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "double",
  "float", "bool", "void *", "void", "void *", "int64_t", "uint64_t", "void *", "void *", "void *", "void *",
]);
/** koffi's name for each type when it is returned from C to JS (pointers as numbers: faster than bigint). */
export const koffiReturnType: readonly string[] = Object.freeze([
  "int8_t", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "double",
  "float", "bool", "uintptr_t", "void", "uintptr_t", "int64_t", "uint64_t", "uintptr_t", "void *", "void *", "void *",
]);

/** koffi's argument and return type names for a signature called from JS into C. */
export function koffiTypesForCall(sig: Signature): { ret: string; args: string[] } {
  return { ret: koffiReturnType[sig.returns]!, args: sig.args.map((t) => koffiArgType[t]!) };
}

/** koffi's types for a callback (C calls JS): arguments arrive like returns, the return goes out like an argument. */
export function koffiTypesForCallback(sig: Signature): { ret: string; args: string[] } {
  return { ret: koffiArgType[sig.returns]!, args: sig.args.map((t) => koffiReturnType[t]!) };
}
