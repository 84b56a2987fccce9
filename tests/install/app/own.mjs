// own() with a native free, and bun:ffi's 5-argument toArrayBuffer with a native deallocator, from the installed packages.
import { dlopen, toArrayBuffer } from "@ffi-kit/core";
import { own, dispose, isFreed, memoryStats } from "@ffi-kit/memory";

const { symbols: libc } = dlopen("libc.so.6", {
  malloc: { args: ["usize"], returns: "ptr" },
  free: { args: ["ptr"], returns: "void" },
  memset: { args: ["ptr", "i32", "usize"], returns: "ptr" },
});
const freePtr = libc.free.ptr;

const bytes = own(libc.malloc(64), 64, freePtr);
libc.memset(bytes, 0x5a, 64);
const first = bytes[0];
const length = bytes.length;
const disposedOwn = dispose(bytes);

const ab = toArrayBuffer(libc.malloc(32), 0, 32, null, freePtr);
new Uint8Array(ab).fill(3);
const abLength = ab.byteLength;
const abSum = new Uint8Array(ab).reduce((a, b) => a + b, 0);
const disposedAb = dispose(ab);

console.log(JSON.stringify({ first, length, disposedOwn, freedOwn: isFreed(bytes), abLength, abSum, disposedAb, again: dispose(ab), stats: memoryStats() }));
