// The README's sample, runnable: `node examples/readme.mjs` (after `npm run build`).
import { dlopen, toArrayBuffer } from "@ffi-kit/core";
import { own, dispose, withScope, memoryStats, addressOf } from "@ffi-kit/memory";

const { symbols: libc } = dlopen("libc.so.6", {
  malloc: { args: ["usize"], returns: "ptr" },
  free: { args: ["ptr"], returns: "void" },
  memset: { args: ["ptr", "i32", "usize"], returns: "ptr" },
});

// 1. own(): the view owns the memory. dispose() (or `using` in TypeScript) frees it now; otherwise GC or exit
//    does, once.
const bytes = own(libc.malloc(16), 16, libc.free);
libc.memset(addressOf(bytes), 7, 16);
console.log(bytes[0], bytes.length); // 7 16
dispose(bytes);
console.log(bytes.length); // 0: detached, nothing left to read

// 2. bun:ffi's 5-argument toArrayBuffer with a native deallocator (here libc's free, by its address).
const freeAddress = libc.free.ptr;
const ab = toArrayBuffer(libc.malloc(32), 0, 32, null, freeAddress);
dispose(ab); // or let the GC call free(bytes, NULL)

// 3. Scopes: everything adopted in the block is freed when it ends, also if it throws.
const total = withScope((scope) => {
  const a = scope.own(libc.malloc(8), 8, libc.free, { as: Float64Array });
  a[0] = 1.5;
  return a[0];
});

console.log(total, memoryStats().live); // 1.5 0
