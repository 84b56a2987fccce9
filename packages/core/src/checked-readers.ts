/**
 * Native memory access for sibling packages, behind core's pointer rules: every address is checked by
 * {@link checkedAddress} (NULL, the first page, kernel-half and non-canonical addresses throw
 * `ERR_FFI_INVALID_POINTER`) before koffi touches it, so one set of rules guards every package.
 */
import { koffi, strlen, type KoffiType } from "./koffi-engine.js";
import { checkedAddress } from "./pointer.js";

/** A C aggregate type (struct, union, pointer) made by core for declarations and {@link decodeStruct}. */
export type NativeAggregate = KoffiType;

/** A C struct with these members, in order (`koffi.struct`). */
export function structType(members: Readonly<Record<string, string | NativeAggregate>>): NativeAggregate {
  return koffi.struct({ ...members } as Record<string, KoffiType>);
}
/** A C union of these members (`koffi.union`). */
export function unionType(members: Readonly<Record<string, string | NativeAggregate>>): NativeAggregate {
  return koffi.union({ ...members } as Record<string, KoffiType>);
}
/** A pointer to `type` (`koffi.pointer`). */
export function pointerType(type: string | NativeAggregate): NativeAggregate {
  return koffi.pointer(type as KoffiType);
}

/** Reads the NUL-terminated C string at a checked address, as UTF-8 or Latin-1. */
export function readCString(address: unknown, site: string, encoding: "utf8" | "latin1" = "utf8"): string {
  const p = checkedAddress(address, undefined, site);
  const length = strlen(p);
  if (length === 0) return "";
  if (encoding === "utf8") return koffi.decode.string(p, length) as string;
  return Buffer.from(koffi.view(p, length) as ArrayBuffer).toString("latin1");
}

/** Decodes the struct of `type` at a checked address (first and last byte) into a plain object. */
export function decodeStruct(address: unknown, type: NativeAggregate, site: string): Record<string, unknown> {
  const p = checkedAddress(address, undefined, site);
  checkedAddress(p, koffi.sizeof(type) - 1, site); // its last byte too
  return koffi.decode(p, type) as Record<string, unknown>;
}
