import { describe, it, expect } from "vitest";
import { FFIError } from "@ffi-kit/core";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";
import { lib } from "./producers.js";

const sig = { args: ["i32", "i32"], returns: "void" } as const;

describe("bad input gets a clear error with a code", () => {
  it("the callback must be a function", () => {
    for (const bad of [undefined, null, 1, "f", {}]) {
      expect(() => new ThreadsafeCallback(bad as never, sig)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
    }
    expect(() => new ThreadsafeCallback(1 as never, sig)).toThrow(/Expected callback function\. Received type number \(1\)/);
  });

  it("options must be an object with known types", () => {
    expect(() => new ThreadsafeCallback(() => {}, null as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => new ThreadsafeCallback(() => {}, { args: ["nope" as never] })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => new ThreadsafeCallback(() => {}, { args: ["buffer"] })).toThrow(expect.objectContaining({ code: "ERR_FFI_UNSUPPORTED_TYPE" }));
    expect(() => new ThreadsafeCallback(() => {}, { args: ["napi_env"] })).toThrow(FFIError);
  });

  it("capacity must be an integer from 2 to 2^26", () => {
    expect(() => new ThreadsafeCallback(() => {}, { ...sig, capacity: "8" as never })).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining("options.capacity") }),
    );
    for (const bad of [0, 1, -5, 2.5, NaN, Infinity, 2 ** 26 + 1]) {
      expect(() => new ThreadsafeCallback(() => {}, { ...sig, capacity: bad })).toThrow(
        expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }),
      );
    }
  });

  it("a queue may not take more than 1 GiB", () => {
    expect(() => new ThreadsafeCallback(() => {}, { args: new Array(14).fill("i64"), returns: "void", capacity: 2 ** 26 })).toThrow(
      expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE", message: expect.stringContaining("1 GiB") }),
    );
  });

  it("backpressure must be block, drop or fail; onError a function", () => {
    expect(() => new ThreadsafeCallback(() => {}, { ...sig, backpressure: "wait" as never })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("'wait'") }),
    );
    expect(() => new ThreadsafeCallback(() => {}, { ...sig, onError: 3 as never })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });

  it("too many arguments for the trampolines is an FFIError", () => {
    const args = new Array(15).fill("i32");
    expect(() => new ThreadsafeCallback(() => {}, { args, returns: "void" })).toThrow(
      expect.objectContaining({ name: "FFIError", code: "ERR_FFI_UNSUPPORTED_TYPE" }),
    );
    // 14 integer arguments (6 in registers, 8 on the stack) are fine.
    new ThreadsafeCallback(() => {}, { args: new Array(14).fill("i32"), returns: "void" }).close();
  });

  it("close() options are checked", async () => {
    const cb = new ThreadsafeCallback(() => {}, sig);
    expect(() => cb.close({ pending: "later" as never })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => cb.close(7 as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    await cb.close();
  });

  it("a closed callback cannot be passed to native code as an object", async () => {
    const cb = new ThreadsafeCallback(() => {}, sig);
    lib.symbols.call_pair(cb as never, 1, 2); // an open one can
    await cb.close();
    expect(() => lib.symbols.call_pair(cb as never, 1, 2)).toThrow(expect.objectContaining({ code: "ERR_FFI_CALLBACK_CLOSED" }));
  });

  it("creating and closing more callbacks than the pool holds reuses closed slots", async () => {
    for (let k = 0; k < 1100; k++) await new ThreadsafeCallback(() => {}, sig).close();
    const seen: number[] = [];
    const cb = new ThreadsafeCallback((_a: number, b: number) => seen.push(b), sig);
    lib.symbols.call_pair_n(cb.ptr, 2);
    await cb.close();
    expect(seen).toEqual([0, 1]);
  });
});
