// The examples of the bun:ffi documentation (shared/seeds/000_3f613b8ad29cf503.txt), run on Node with
// @ffi-kit/core: only the import changed. Uses the system's libsqlite3 and libc, and the package's C fixture.
import { dlopen, FFIType, suffix, CString, ptr, toArrayBuffer, read, CFunction, linkSymbols, JSCallback } from "@ffi-kit/core";
import { fileURLToPath } from "node:url";

// SQLite version
const sqlite = dlopen(`libsqlite3.${suffix}`, {
  sqlite3_libversion: { args: [], returns: FFIType.cstring },
});
console.log("sqlite3_libversion():", sqlite.symbols.sqlite3_libversion());

// Calling system libraries
const libc = dlopen(`libc.${suffix}`, {
  getpid: { args: [], returns: FFIType.i32 },
  getenv: { args: [FFIType.cstring], returns: FFIType.cstring },
  malloc: { args: ["usize"], returns: "ptr" },
  free: { args: ["ptr"], returns: "void" },
  strcpy: { args: ["ptr", "cstring"], returns: "ptr" },
  qsort: { args: ["ptr", "usize", "usize", "function"], returns: "void" },
});
console.log("PID:", libc.symbols.getpid());
console.log("HOME:", libc.symbols.getenv("HOME"));

// CString: a clone that outlives the memory it came from
const mem = libc.symbols.malloc(32);
libc.symbols.strcpy(mem, "a C string");
const str = new CString(mem);
libc.symbols.free(str.ptr);
console.log("CString after free:", str);

// Pointers
const myArray = new Uint8Array(32);
const myPtr = ptr(myArray);
myArray[4] = 42;
const array = new Uint8Array(toArrayBuffer(myPtr, 0, 32));
console.log("read.u8(myPtr, 4):", read.u8(myPtr, 4), "toArrayBuffer view:", array[4]);

// Callbacks: libc's qsort calling a JS comparator
const ints = new Int32Array([5, 3, 9, 1, 7]);
const compare = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ["ptr", "ptr"], returns: "i32" });
libc.symbols.qsort(ints, ints.length, 4, compare.ptr);
compare.close();
console.log("qsort with a JSCallback:", Array.from(ints).join(", "));

// Function pointers
const fixture = dlopen(fileURLToPath(new URL("../test/fixtures/build/libffi.so", import.meta.url)), {
  address_of_add_i32: { returns: "ptr" },
  return_a_function_ptr_to_function_that_returns_true: { returns: "ptr" },
});
const add = new CFunction({ ptr: fixture.symbols.address_of_add_i32(), args: ["i32", "i32"], returns: "i32" });
console.log("CFunction add(40, 2):", add(40, 2));
const linked = linkSymbols({
  isTrue: { ptr: fixture.symbols.return_a_function_ptr_to_function_that_returns_true(), args: [], returns: "bool" },
});
console.log("linkSymbols isTrue():", linked.symbols.isTrue());
linked.close();
fixture.close();
libc.close();
sqlite.close();
