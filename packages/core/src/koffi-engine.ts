/**
 * The one place that touches koffi: the module itself, cached prototypes, and the few libc helpers core needs.
 * koffi traps handled here: prototypes are never freed (so they are cached by signature), and `koffi.view`/
 * `koffi.decode` abort or segfault on NULL (callers validate pointers before reaching these helpers).
 */
import koffi from "koffi";

export { koffi };
export type KoffiType = ReturnType<typeof koffi.proto>;
export type KoffiLibrary = ReturnType<typeof koffi.load>;
export type KoffiFunction = ReturnType<KoffiLibrary["func"]>;

const protos = new Map<string, KoffiType>();

/** A koffi function prototype for `(args) -> ret`, created once per signature (koffi never frees them). */
export function prototype(ret: string, args: readonly string[]): KoffiType {
  const key = `${ret}(${args.join(",")})`;
  let proto = protos.get(key);
  if (proto === undefined) {
    proto = koffi.proto(ret, [...args]);
    protos.set(key, proto);
  }
  return proto;
}

const pointerProtos = new Map<KoffiType, KoffiType>();
/** `koffi.pointer(proto)`, cached. */
export function pointerTo(proto: KoffiType): KoffiType {
  let p = pointerProtos.get(proto);
  if (p === undefined) {
    p = koffi.pointer(proto);
    pointerProtos.set(proto, p);
  }
  return p;
}

let libcStrlen: ((p: number | bigint) => number | bigint) | undefined;
/** libc `strlen`, for a pointer the caller has already validated (never NULL). */
export function strlen(address: number | bigint): number {
  if (libcStrlen === undefined) {
    let self: KoffiLibrary;
    try {
      self = koffi.load(null);
      libcStrlen = self.func("strlen", "size_t", ["uintptr_t"]) as (p: number | bigint) => number;
    } catch {
      self = koffi.load(process.platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6");
      libcStrlen = self.func("strlen", "size_t", ["uintptr_t"]) as (p: number | bigint) => number;
    }
  }
  return Number(libcStrlen(address));
}

/** Decodes `length` bytes at a validated address as UTF-8 (NUL-terminated when `length` is undefined). */
export function decodeUtf8(address: number | bigint, length?: number): string {
  return length === undefined ? koffi.decode.string(address) : koffi.decode.string(address, length);
}
