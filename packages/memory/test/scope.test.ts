import { describe, it, expect } from "vitest";
import { toArrayBuffer } from "@ffi-kit/core";
import { MemoryScope, withScope, own, isFreed, dispose } from "@ffi-kit/memory";
import { ca, counts, deallocPtr, freePtr } from "./fixtures/counting-alloc.mjs";

describe("scopes", () => {
  it("withScope frees everything adopted in the block, newest first, and returns the block's value", () => {
    const before = counts().frees;
    const order: number[] = [];
    const freeing = (tag: number) => (address: number) => {
      order.push(tag);
      ca.ca_free(address);
    };
    let views: Uint8Array[] = [];
    const sum = withScope((scope) => {
      const a = scope.own(ca.ca_alloc(4), 4, freeing(1));
      const b = scope.own(ca.ca_alloc(4), 4, freeing(2));
      const c = scope.adopt(own(ca.ca_alloc(4), 4, freeing(3)));
      views = [a, b, c];
      expect(scope.size).toBe(3);
      return a.length + b.length + c.length;
    });
    expect(sum).toBe(12);
    expect(order).toEqual([3, 2, 1]);
    expect(counts().frees).toBe(before + 3);
    for (const v of views) expect(isFreed(v)).toBe(true);
  });

  it("frees when the block throws, and rethrows the block's error", () => {
    const before = counts().frees;
    let kept: Uint8Array | undefined;
    expect(() =>
      withScope((scope) => {
        kept = scope.own(ca.ca_alloc(8), 8, freePtr);
        throw new Error("block failed");
      }),
    ).toThrow("block failed");
    expect(counts().frees).toBe(before + 1);
    expect(kept!.length).toBe(0);
  });

  it("with an async block, frees when the promise settles (fulfilled or rejected)", async () => {
    const before = counts().frees;
    let inFlight: Uint8Array | undefined;
    const pending = withScope(async (scope) => {
      inFlight = scope.own(ca.ca_alloc(8), 8, ca.ca_free);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(isFreed(inFlight)).toBe(false); // still live across awaits
      return inFlight.length;
    });
    expect(isFreed(inFlight!)).toBe(false);
    await expect(pending).resolves.toBe(8);
    expect(isFreed(inFlight!)).toBe(true);
    await expect(
      withScope(async (scope) => {
        scope.own(ca.ca_alloc(8), 8, ca.ca_free);
        await Promise.resolve();
        throw new Error("async failure");
      }),
    ).rejects.toThrow("async failure");
    expect(counts().frees).toBe(before + 2);
  });

  it("MemoryScope works with `using`, is idempotent, and refuses use after it ended", () => {
    const before = counts().frees;
    let escaped: MemoryScope | undefined;
    {
      using scope = new MemoryScope();
      escaped = scope;
      scope.own(ca.ca_alloc(4), 4, freePtr);
      scope.adopt(toArrayBuffer(ca.ca_alloc(4), 0, 4, deallocPtr));
    }
    expect(counts().frees).toBe(before + 2);
    expect(escaped.closed).toBe(true);
    escaped.dispose(); // no-op
    expect(counts().frees).toBe(before + 2);
    expect(() => escaped!.own(ca.ca_alloc(4), 4, freePtr)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(counts().frees).toBe(before + 2);
  });

  it("a view disposed early inside a scope is not freed again at the end", () => {
    const before = counts();
    withScope((scope) => {
      const a = scope.own(ca.ca_alloc(4), 4, ca.ca_free);
      dispose(a);
    });
    expect(counts().frees).toBe(before.frees + 1);
    expect(counts().badFrees).toBe(0);
  });

  it("if one free throws, the rest are still freed and the first error is rethrown", () => {
    const before = counts().frees;
    const scope = new MemoryScope();
    scope.own(ca.ca_alloc(4), 4, ca.ca_free);
    scope.own(ca.ca_alloc(4), 4, (address) => {
      ca.ca_free(address);
      throw new Error("first");
    });
    scope.own(ca.ca_alloc(4), 4, (address) => {
      ca.ca_free(address);
      throw new Error("second");
    });
    expect(() => scope.dispose()).toThrow("second"); // newest first: "second" is the first to throw
    expect(counts().frees).toBe(before + 3);
  });

  it("validates its arguments", () => {
    expect(() => withScope(5 as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE", message: expect.stringMatching(/argument 1 must be a function. Received type number \(5\)/) }));
    const scope = new MemoryScope();
    expect(() => scope.adopt(new Uint8Array(4))).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
    expect(() => scope.own(0, 4, freePtr)).toThrow(expect.objectContaining({ code: "ERR_FFI_INVALID_POINTER" }));
    expect(scope.size).toBe(0);
  });
});
