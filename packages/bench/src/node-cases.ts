/**
 * The suite's groups under Node: every path of a group does the same operation, so their ratios to the group's
 * reference (raw koffi, or the koffi primitive a core helper stands for) say what each layer costs.
 */
import { CFunction, CString, JSCallback, dlopen, linkSymbols, ptr, read, toArrayBuffer } from "@ffi-kit/core";
import koffi from "koffi";
import { isolatedPath, type GroupSpec } from "./measure.js";
import { benchLibraryPath, loadFloorAddon, requireBuilt } from "./native-library.js";
import { benchSymbols } from "./symbols.js";

/** Results land here so no call can be optimised away. */
export const sink: { value: unknown } = { value: undefined };

/** Callbacks per iteration in the `callback` group (a C loop calling back this many times). */
export const CALLBACKS_PER_ITERATION = 100;

/** What the groups hold on to; `close()` releases callbacks. */
export interface NodeCases {
  readonly groups: GroupSpec[];
  close(): void;
}

const declarations = benchSymbols;

const namedProtos = new Map<string, ReturnType<typeof koffi.proto>>();
/**
 * `koffi.proto(signature)`, once per process: koffi keeps named types for good and refuses a second one of the same
 * name, and the suite builds its cases more than once in a process (a confirmation round measures again).
 */
export function namedProto(signature: string): ReturnType<typeof koffi.proto> {
  let proto = namedProtos.get(signature);
  if (proto === undefined) {
    proto = koffi.proto(signature);
    namedProtos.set(signature, proto);
  }
  return proto;
}

/** The bench library's scalar functions declared in raw koffi: the reference of every core-symbol path. */
export function rawKoffiCalls(k: ReturnType<typeof koffi.load>) {
  return {
    noop: k.func("void noop(void)"),
    add_i32: k.func("int32_t add_i32(int32_t, int32_t)"),
    add_f64: k.func("double add_f64(double, double)"),
    ret_i64: k.func("int64_t ret_i64(void)"),
    sum_buf: k.func("uint32_t sum_buf(const uint8_t *, uint32_t)"),
    get_hello: k.func("const char *get_hello(void)"),
  };
}

/** Builds the Node groups (core, raw koffi, plain JS, N-API floor). Needs the package built. */
export function nodeCases(): NodeCases {
  requireBuilt();
  const addon = loadFloorAddon();
  const lib = dlopen(benchLibraryPath, declarations);
  const s = lib.symbols;
  const k = koffi.load(benchLibraryPath);
  const raw = rawKoffiCalls(k);
  const cf = {
    noop: new CFunction({ ...declarations.noop, ptr: s.noop.ptr }),
    add_i32: new CFunction({ ...declarations.add_i32, ptr: s.add_i32.ptr }),
    add_f64: new CFunction({ ...declarations.add_f64, ptr: s.add_f64.ptr }),
    ret_i64: new CFunction({ ...declarations.ret_i64, ptr: s.ret_i64.ptr }),
    sum_buf: new CFunction({ ...declarations.sum_buf, ptr: s.sum_buf.ptr }),
    get_hello: new CFunction({ ...declarations.get_hello, ptr: s.get_hello.ptr }),
  };
  const linked = linkSymbols({
    noop: { ...declarations.noop, ptr: s.noop.ptr },
    add_i32: { ...declarations.add_i32, ptr: s.add_i32.ptr },
    add_f64: { ...declarations.add_f64, ptr: s.add_f64.ptr },
    ret_i64: { ...declarations.ret_i64, ptr: s.ret_i64.ptr },
    sum_buf: { ...declarations.sum_buf, ptr: s.sum_buf.ptr },
    get_hello: { ...declarations.get_hello, ptr: s.get_hello.ptr },
  }).symbols;

  // Plain JS functions doing the same work: the floor of any call.
  const js = {
    noop: function noop(): void {},
    add_i32: (a: number, b: number): number => (a + b) | 0,
    add_f64: (a: number, b: number): number => a + b,
    ret_i64: (): bigint => 1234567890123n,
    sum_buf: (p: Uint8Array, n: number): number => {
      let t = 0;
      for (let i = 0; i < n; i++) t += p[i]!;
      return t;
    },
    get_hello: (): string => "hello, world",
  };

  const bytes = new Uint8Array(64).fill(1);
  const o = sink;
  const groups: GroupSpec[] = [];
  // Each path is compiled on its own (isolatedPath) so no two paths share inline caches.
  const callGroup = (group: keyof typeof js, title: string, call: string, napi: string): void => {
    const path = (name: string, f: unknown): ReturnType<typeof isolatedPath> => isolatedPath(name, `o.value = ${call}`, { f, o, bytes });
    groups.push({
      group,
      title,
      reference: "koffi",
      paths: [
        path("plain-js", js[group]),
        path("koffi", raw[group]),
        path("core-symbol", s[group]),
        path("cfunction", cf[group]),
        path("linksymbols", linked[group]),
        isolatedPath("napi", `o.value = ${napi}`, { addon, o, bytes }),
      ],
    });
  };
  callGroup("noop", "noop() -> void", "f()", "addon.noop()");
  callGroup("add_i32", "add_i32(i32, i32) -> i32", "f(20, 22)", "addon.addI32(20, 22)");
  callGroup("add_f64", "add_f64(f64, f64) -> f64", "f(20.5, 21.5)", "addon.addF64(20.5, 21.5)");
  callGroup("ret_i64", "ret_i64() -> i64", "f()", "addon.retI64()");
  callGroup("sum_buf", "sum_buf(Uint8Array(64), u32) -> u32", "f(bytes, 64)", "addon.sumBuf(bytes, 64)");
  callGroup("get_hello", "get_hello() -> cstring", "f()", "addon.getHello()");

  // A C loop calling back into JS: JSCallback passed as the object versus its .ptr (the seed's tip).
  const N = CALLBACKS_PER_ITERATION;
  const inc = (x: number): number => x + 1;
  const jsCb = new JSCallback(inc, { args: ["i32"], returns: "i32" });
  const proto = namedProto("int32_t bench_cb(int32_t)");
  const kCb = koffi.register(inc, koffi.pointer(proto));
  const rawCallCb = k.func("call_cb_n", "int32_t", [koffi.pointer(proto), "int32_t"]);
  const jsLoop = (f: (x: number) => number, n: number): number => {
    let t = 0;
    for (let i = 0; i < n; i++) t += f(i);
    return t;
  };
  const callCb = s.call_cb_n as unknown as (cb: unknown, n: number) => number;
  groups.push({
    group: "callback",
    title: `call_cb_n(cb, ${N}): a C loop calling a JS i32 -> i32 callback, per callback`,
    reference: "koffi",
    opsPerIteration: N,
    paths: [
      isolatedPath("plain-js", "o.value = f(inc, N)", { f: jsLoop, inc, N, o }),
      isolatedPath("koffi", "o.value = f(cb, N)", { f: rawCallCb, cb: kCb, N, o }),
      isolatedPath("core-object", "o.value = f(cb, N)", { f: callCb, cb: jsCb, N, o }),
      isolatedPath("core-ptr", "o.value = f(cb, N)", { f: callCb, cb: jsCb.ptr, N, o }),
      isolatedPath("napi", "o.value = addon.callCbN(inc, N)", { addon, inc, N, o }),
    ],
  });

  // Pointers and memory.
  const block = s.get_block() as unknown as number;
  const dv = new DataView(koffi.view(block, 4096) as ArrayBuffer);
  const at = { off: 0 };
  groups.push({
    group: "ptr",
    title: "address of a Uint8Array(64)",
    reference: "koffi",
    paths: [
      isolatedPath("koffi", "o.value = f(bytes)", { f: koffi.address, bytes, o }),
      isolatedPath("core-ptr", "o.value = f(bytes)", { f: ptr, bytes, o }),
    ],
  });
  groups.push({
    group: "read_u8",
    title: "read one u8 at a pointer + offset",
    reference: "koffi",
    paths: [
      isolatedPath("koffi", "o.value = f(block + (at.off = (at.off + 1) & 1023))", { f: koffi.decode.uint8, block, at, o }),
      isolatedPath("core-read", "o.value = f(block, (at.off = (at.off + 1) & 1023))", { f: read.u8, block, at, o }),
      isolatedPath("dataview", "o.value = dv.getUint8((at.off = (at.off + 1) & 1023))", { dv, at, o }),
    ],
  });
  groups.push({
    group: "to_array_buffer",
    title: "an ArrayBuffer over 64 bytes of native memory",
    reference: "koffi",
    paths: [
      isolatedPath("koffi", "o.value = f(block, 64)", { f: koffi.view, block, o }),
      isolatedPath("core-to-array-buffer", "o.value = f(block, 0, 64)", { f: toArrayBuffer, block, o }),
    ],
  });
  groups.push({
    group: "cstring",
    title: "a JS string from a NUL-terminated C string (12 bytes)",
    reference: "koffi",
    paths: [
      isolatedPath("koffi", 'o.value = f(block, "char", -1)', { f: koffi.decode, block, o }),
      isolatedPath("core-cstring", "o.value = new C(block)", { C: CString, block, o }),
    ],
  });

  return {
    groups,
    close() {
      jsCb.close();
      koffi.unregister(kCb);
    },
  };
}
