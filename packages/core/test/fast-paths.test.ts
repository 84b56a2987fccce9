/**
 * The fast paths of `read.*` and `ptr()` must refuse exactly what the checked paths refuse. Each scenario runs in a
 * child process: a reader that lets a kernel-half address through crashes the process instead of failing a test.
 * Every scenario first warms the fast path (a window made current, a view stamped, the JIT given time to
 * optimise), then gives it the bad input.
 */
import { describe, expect, it } from "vitest";
import { runModule } from "./support/hostile-child.js";

const addressSpace = new URL("../dist/address-space.js", import.meta.url).href;

const run = runModule;

describe("read.* refuses addresses outside user space on its fast path", () => {
  it("kernel-half, non-canonical and past-2^53 addresses, as numbers, bigints and pointer + offset", () => {
    const r = run(`
      import { read, ptr } from "@ffi-kit/core";
      import { USER_ADDRESS_LIMIT } from ${JSON.stringify(addressSpace)};
      const bytes = new Uint8Array(64).fill(7);
      const p = ptr(bytes);
      const L = USER_ADDRESS_LIMIT;
      let warm = 0;
      for (let i = 0; i < 200000; i++) for (const f of Object.values(read)) warm = f(p, i & 31);
      const bad = [
        [2 ** 47], [L], [L - 64 + 65536], [2 ** 53 - 8], [2 ** 53], [2 ** 60], [-4096], [p + 0.5], [NaN], [Infinity],
        [p, L], [p, 2 ** 53], [p, -p], [p, L - p],
        [BigInt(L)], [2n ** 52n], [2n ** 52n, 0], [BigInt(L) + 8n, -8],
      ];
      const out = {};
      for (const [name, f] of Object.entries(read)) {
        const codes = new Set();
        for (const args of bad) {
          try { f(...args); codes.add("no error: " + String(args[0]) + "," + String(args[1])); } catch (e) { codes.add(e.code); }
          // The window of a valid read is current again before the next bad one.
          f(p, 8);
        }
        out[name] = [...codes].join(",");
      }
      // \`bytes\` is used after the reads: ptr() does not keep a view alive, and once the warm-up loop is optimised
      // (OSR) a view that is never used again is garbage the collector may free, leaving p dangling.
      console.log(JSON.stringify({ out, u8: read.u8(BigInt(p), 3), i32: read.i32(p, 4), warm: typeof warm, kept: bytes[0] }));
    `);
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
    const result = JSON.parse(r.stdout) as { out: Record<string, string>; u8: number; i32: number };
    for (const [name, codes] of Object.entries(result.out)) expect({ name, codes }).toEqual({ name, codes: "ERR_FFI_INVALID_POINTER" });
    expect(Object.keys(result.out)).toHaveLength(12);
    expect([result.u8, result.i32]).toEqual([7, 0x07070707]);
  });

  it("the addresses just inside the user-space limit are accepted by the checks (no read is made of them)", () => {
    const r = run(`
      import { read } from "@ffi-kit/core";
      import { checkedAddress } from "@ffi-kit/core/internal";
      import { USER_ADDRESS_LIMIT } from ${JSON.stringify(addressSpace)};
      console.log(JSON.stringify([checkedAddress(USER_ADDRESS_LIMIT - 8, undefined, "t") === USER_ADDRESS_LIMIT - 8, Object.isFrozen(read)]));
    `);
    expect([r.status, r.signal, r.stderr, r.stdout.trim()]).toEqual([0, null, "", "[true,true]"]);
  });

  it("reads across window boundaries and alternating windows give the bytes C wrote", () => {
    const r = run(`
      import { read, ptr } from "@ffi-kit/core";
      const big = new Uint8Array(3 * 65536 + 64);
      const dv = new DataView(big.buffer);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 255;
      const p = ptr(big);
      let bad = 0;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i + 8 <= big.length; i += 7) {
          if (read.u8(p, i) !== big[i]) bad++;
          if (read.i32(p + i) !== dv.getInt32(i, true)) bad++;
          if (read.u64(p, i) !== dv.getBigUint64(i, true)) bad++;
          const far = (i * 65537) % (big.length - 8); // jump between windows
          if (read.f64(p, far) !== dv.getFloat64(far, true) && !Number.isNaN(dv.getFloat64(far, true))) bad++;
          if (read.ptr(p, far) !== dv.getUint32(far, true) + dv.getUint32(far + 4, true) * 2 ** 32) bad++;
        }
      }
      console.log(bad);
    `);
    expect([r.status, r.signal, r.stderr, r.stdout.trim()]).toEqual([0, null, "", "0"]);
  });
});

describe("ptr() reads view geometry only through what user code cannot change", () => {
  it("a stamped view that is detached throws, whatever its own or inherited length says, and runs no getter", () => {
    const r = run(`
      import { ptr } from "@ffi-kit/core";
      const out = [];
      let getterCalls = 0;
      const attempt = (f) => { try { f(); out.push("ok"); } catch (e) { out.push(e.code); } };
      const warm = (v) => { let s = 0; for (let i = 0; i < 100000; i++) s += ptr(v); return s; };

      const a = new Uint8Array(16); warm(a);
      Object.defineProperty(a, "length", { value: 16 });
      structuredClone(a.buffer, { transfer: [a.buffer] });
      attempt(() => ptr(a));

      const b = new Float64Array(4); warm(b);
      Object.defineProperty(b, "length", { get() { getterCalls++; return 4; } });
      structuredClone(b.buffer, { transfer: [b.buffer] });
      attempt(() => ptr(b));

      const TA = Object.getPrototypeOf(Uint8Array.prototype);
      const c = new Int32Array(4); warm(c);
      Object.defineProperty(TA, "length", { get() { getterCalls++; return 4; }, configurable: true });
      structuredClone(c.buffer, { transfer: [c.buffer] });
      attempt(() => ptr(c));

      const rab = new ArrayBuffer(64, { maxByteLength: 128 });
      const d = new Uint8Array(rab); warm(d);
      rab.resize(0);
      attempt(() => ptr(d));
      rab.resize(32);
      attempt(() => ptr(d));

      const e = new Uint8Array(8); const first = ptr(e); warm(e);
      out.push(ptr(e) === first ? "same" : "moved");
      console.log(JSON.stringify({ out, getterCalls }));
    `);
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({
      out: ["ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_TYPE", "ok", "same"],
      getterCalls: 0,
    });
  });

  it("DataViews, ArrayBuffers and non-views keep their checked path", () => {
    const r = run(`
      import { ptr } from "@ffi-kit/core";
      const out = [];
      const attempt = (f) => { try { out.push(typeof f()); } catch (e) { out.push(e.code); } };
      const ab = new ArrayBuffer(16), dv = new DataView(ab), u8 = new Uint8Array(ab);
      out.push(ptr(ab) === ptr(u8) && ptr(dv) === ptr(u8) && ptr(dv, 4) === ptr(u8) + 4 ? "same" : "differ");
      for (const v of [null, undefined, 1, 1n, "x", {}, { length: 4, 0: 1 }, new Proxy(u8, {}), []]) attempt(() => ptr(v));
      attempt(() => ptr(u8, 17));
      attempt(() => ptr(u8, 0.5));
      console.log(out.join(","));
    `);
    expect([r.status, r.signal, r.stderr]).toEqual([0, null, ""]);
    expect(r.stdout.trim()).toBe(["same", ...Array(11).fill("ERR_INVALID_ARG_TYPE")].join(","));
  });
});
