/** Every example of the bun:ffi documentation, on Node, against the real system libraries. */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CString, FFIType, JSCallback, dlopen, ptr, read, suffix, toArrayBuffer } from "@ffi-kit/core";

describe("the seed's examples", () => {
  it("SQLite version: sqlite3_libversion() through FFIType.cstring", () => {
    const lib = dlopen(`libsqlite3.${suffix}`, { sqlite3_libversion: { args: [], returns: FFIType.cstring } });
    const v = lib.symbols.sqlite3_libversion();
    expect(v).toBeInstanceOf(CString);
    expect(String(v)).toMatch(/^3\.\d+\.\d+$/);
    lib.close();
  });

  it("calling system libraries: getpid and getenv", () => {
    const libc = dlopen(`libc.${suffix}`, {
      getpid: { args: [], returns: FFIType.i32 },
      getenv: { args: [FFIType.cstring], returns: FFIType.cstring },
    });
    expect(libc.symbols.getpid()).toBe(process.pid);
    expect(String(libc.symbols.getenv("HOME"))).toBe(process.env.HOME);
    expect(libc.symbols.getenv("FFI_KIT_SURELY_UNSET_VARIABLE")).toBeNull();
    libc.close();
  });

  it("CString: safe to use after the pointer is freed", () => {
    const lib = dlopen(`libc.${suffix}`, {
      strdup: { args: ["cstring"], returns: "ptr" },
      free: { args: ["ptr"], returns: "void" },
    });
    const p = lib.symbols.strdup("cloned text")!;
    const str = new CString(p, 0, "cloned text".length);
    lib.symbols.free(str.ptr);
    expect(String(str)).toBe("cloned text");
    lib.close();
  });

  it("pointers: TypedArray to pointer, pointer to ArrayBuffer, read.*", () => {
    const myArray = new Uint8Array(32);
    myArray[0] = 7;
    new DataView(myArray.buffer).setInt32(4, -123456, true);
    const myPtr = ptr(myArray);
    const array = new Uint8Array(toArrayBuffer(myPtr, 0, 32));
    expect(array[0]).toBe(7);
    expect(read.u8(myPtr, 0)).toBe(7);
    expect(read.i32(myPtr, 4)).toBe(-123456);
  });

  it("callbacks: a JSCallback with (ptr, usize) -> bool, passed as the object and as .ptr (qsort as the native caller)", () => {
    const libc = dlopen(`libc.${suffix}`, { qsort: { args: ["ptr", "usize", "usize", "function"], returns: "void" } });
    const data = new Int32Array([9, -4, 12, 0, 3]);
    const cmp = new JSCallback((a: number, b: number) => read.i32(a) - read.i32(b), { args: ["ptr", "ptr"], returns: "i32" });
    libc.symbols.qsort(data, data.length, 4, cmp);
    expect(Array.from(data)).toEqual([-4, 0, 3, 9, 12]);
    const desc = new JSCallback((a: number, b: number) => read.i32(b) - read.i32(a), { args: ["ptr", "ptr"], returns: "i32" });
    libc.symbols.qsort(data, data.length, 4, desc.ptr);
    expect(Array.from(data)).toEqual([12, 9, 3, 0, -4]);
    cmp.close();
    desc.close();
    libc.close();
  });

  it("the seed's JSCallback: (ptr, length) => /pattern/.test(new CString(ptr, 0, length)), as object and as .ptr", () => {
    const lib = dlopen(fileURLToPath(new URL("./fixtures/build/libffi.so", import.meta.url)), {
      native_search: { args: ["cstring", "function"], returns: "bool" },
    });
    const nativeSearch = lib.symbols.native_search;
    const callback = new JSCallback((p: number, length: bigint) => /hay/.test(String(new CString(p, 0, Number(length)))), {
      returns: "bool",
      args: ["ptr", "usize"],
      threadsafe: false,
    });
    expect(nativeSearch("needle in a haystack", callback)).toBe(true);
    expect(nativeSearch("needle in a field", callback.ptr)).toBe(false);
    callback.close();
    lib.close();
  });

  it("a C++ library: the documentation's extern \"C\" add, a std::string returned as a C string, C++ exceptions kept inside", () => {
    const lib = dlopen(fileURLToPath(new URL("./fixtures/build/libcxx.so", import.meta.url)), {
      add: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      cxx_greet: { args: ["cstring"], returns: "cstring" },
      cxx_div: { args: ["i32", "i32"], returns: "i32" },
    });
    expect(lib.symbols.add(1, 2)).toBe(3);
    expect(String(lib.symbols.cxx_greet("Node"))).toBe("hello, Node from C++");
    expect(lib.symbols.cxx_div(7, 2)).toBe(3);
    expect(lib.symbols.cxx_div(7, 0)).toBe(-(2 ** 31));
    lib.close();
  });

  it("memory management with a FinalizationRegistry, as the documentation shows it (freed after collection)", () => {
    const script = `
      import { dlopen, suffix, toArrayBuffer } from "@ffi-kit/core";
      const lib = dlopen(\`libc.\${suffix}\`, { malloc: { args: ["usize"], returns: "ptr" }, free: { args: ["ptr"], returns: "void" } });
      const freed = [];
      const registry = new FinalizationRegistry((ptr) => { lib.symbols.free(ptr); freed.push(ptr); });
      let allocatedPtr;
      (() => {
        allocatedPtr = lib.symbols.malloc(64);
        const buffer = new Uint8Array(toArrayBuffer(allocatedPtr, 0, 64));
        buffer.fill(7);
        registry.register(buffer, allocatedPtr);
      })();
      for (let i = 0; i < 50 && freed.length === 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 2)); }
      console.log(JSON.stringify({ freedTheAllocation: freed.length === 1 && freed[0] === allocatedPtr }));
    `;
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: fileURLToPath(new URL("..", import.meta.url)),
    });
    expect(JSON.parse(out)).toEqual({ freedTheAllocation: true });
  });

  it("the demo script (README's main job) runs every example end to end", () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL("../examples/seed-demo.mjs", import.meta.url))], { encoding: "utf8" });
    expect(out).toMatch(/sqlite3_libversion\(\): 3\.\d+/);
    expect(out).toContain(`PID: `);
    expect(out).toContain("CString after free: a C string");
    expect(out).toContain("qsort with a JSCallback: 1, 3, 5, 7, 9");
    expect(out).toContain("CFunction add(40, 2): 42");
    expect(out).toContain("linkSymbols isTrue(): true");
  });
});
