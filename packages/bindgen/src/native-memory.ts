/**
 * Every read of native memory bindgen does, in one place: strings and structs C returns. Each address is checked
 * with core's pointer rules (`checkedAddress`: the first page, non-canonical and kernel-half addresses throw
 * `ERR_FFI_INVALID_POINTER`) before anything is read, so a bad pointer from C is an error, not a crash.
 */
import { FFIError } from "@ffi-kit/core";
import { checkedAddress, decodeStruct, readCString as readChecked, type NativeAggregate as KoffiType } from "@ffi-kit/core/internal";

const TWO_53 = 2n ** 53n;

/** A returned pointer as a checked address; `null` for NULL. */
export function returnedAddress(p: unknown, site: string): number | null {
  if (p === 0 || p === 0n || p === null || p === undefined) return null;
  if (typeof p === "bigint" && p >= TWO_53) {
    // koffi gives addresses of 2^53 and above as bigints: none of them is a user-space address.
    throw new FFIError("ERR_FFI_INVALID_POINTER", `${site}: C returned ${p}, which is not a valid address (reading it would crash the process)`);
  }
  return checkedAddress(p, undefined, site);
}

/** Reads a returned NUL-terminated UTF-8 C string (`const char *`); NULL becomes `null`. */
export function readCString(p: unknown, site: string): string | null {
  const address = returnedAddress(p, site);
  return address === null ? null : readChecked(address, site);
}

/** Reads a returned NUL-terminated Latin-1 C string (ByteString); NULL becomes `null`. */
export function readByteString(p: unknown, site: string): string | null {
  const address = returnedAddress(p, site);
  if (address === null) return null;
  return readChecked(address, site, "latin1");
}

/** Reads the struct a returned `T *` points to (members as koffi decodes them); NULL becomes `null`. */
export function readStruct(p: unknown, type: KoffiType, site: string): Record<string, unknown> | null {
  const address = returnedAddress(p, site);
  if (address === null) return null;
  return decodeStruct(address, type, site); // checks the struct's last byte too
}
