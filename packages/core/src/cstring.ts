import { inspect } from "node:util";
import { decodeUtf8, koffi, strlen } from "./koffi-engine.js";
import { checkedAddress, checkedLength } from "./pointer.js";
import { registerExtension } from "./extension-registry.js";
import type { Pointer } from "./pointer-types.js";

const EMPTY = new ArrayBuffer(0);
/** `arrayBuffer` views, made on first use (most CStrings never need one, so construction stays cheap). */
const arrayBuffers = new WeakMap<CString, ArrayBuffer>();

/**
 * A NUL-terminated UTF-8 string read from native memory. It extends `String`: the text is decoded and copied,
 * so it stays valid after the native memory is freed. `ptr`, `byteOffset` and `byteLength` describe where it
 * came from; `arrayBuffer` is a zero-copy view of the original bytes (valid only while they are).
 *
 * @example
 * const s = new CString(p);          // up to the first NUL
 * const t = new CString(p, 4, 2);    // exactly 2 bytes, 4 bytes in
 * lib.symbols.free(s.ptr); console.log(s); // still works
 */
export class CString extends String {
  /** The pointer given to the constructor. */
  readonly ptr: Pointer;
  /** The offset given to the constructor, if any. */
  readonly byteOffset: number | undefined;
  /** The length given to the constructor, if any. */
  readonly byteLength: number | undefined;

  constructor(ptr: Pointer | number | bigint | null, byteOffset?: number, byteLength?: number) {
    // Every pointer below 4096 (NULL included) throws ERR_FFI_INVALID_POINTER: reading it would crash.
    const address = checkedAddress(ptr, byteOffset, "new CString()");
    const length = byteLength === undefined ? undefined : checkedLength(byteLength, address, "new CString()", 0);
    super(length === 0 ? "" : decodeUtf8(address, length));
    this.ptr = (typeof ptr === "bigint" ? Number(ptr) : ptr) as Pointer;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }

  /** Zero-copy view of the original bytes (not including the NUL), made on first use. */
  get arrayBuffer(): ArrayBuffer {
    let ab = arrayBuffers.get(this);
    if (ab === undefined) {
      // ptr, byteOffset and byteLength are plain properties: validate them again, as for a new CString.
      const address = checkedAddress(this.ptr, this.byteOffset, "CString.arrayBuffer");
      const length = this.byteLength === undefined ? strlen(address) : checkedLength(this.byteLength, address, "CString.arrayBuffer", 0);
      ab = length === 0 ? EMPTY : koffi.view(address, length);
      arrayBuffers.set(this, ab);
    }
    return ab;
  }

  /** Prints the text itself, as `console.log` does for a CString in Bun. */
  [inspect.custom](): string {
    return this.valueOf();
  }
}

registerExtension({
  name: "@ffi-kit/core",
  addressCarriers: [
    {
      is: (v) => v instanceof CString,
      addressOf(v) {
        const s = v as CString;
        return s.ptr === 0 ? null : s.ptr + (s.byteOffset ?? 0);
      },
    },
  ],
});
