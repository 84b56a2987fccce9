import { describe, it, expect } from "vitest";
import { dlopen } from "@ffi-kit/core";
import { ThreadsafeCallback } from "@ffi-kit/callbacks";

describe("README sample", () => {
  it("libc pthread_create runs a ThreadsafeCallback as each new thread's start routine", async () => {
    const { symbols: libc } = dlopen("libc.so.6", {
      pthread_create: { args: ["ptr", "ptr", "function", "ptr"], returns: "i32" },
      pthread_join: { args: ["u64", "ptr"], returns: "i32" },
    });
    const seen: number[] = [];
    const onThread = new ThreadsafeCallback((arg: number) => seen.push(arg), { args: ["ptr"], returns: "void" });
    const ids = new BigUint64Array(8);
    for (let i = 0; i < 8; i++) expect(libc.pthread_create(ids.subarray(i, i + 1), null, onThread.ptr, 0x1000 + i)).toBe(0);
    for (const id of ids) expect(libc.pthread_join(id, null)).toBe(0);
    await onThread.close();
    expect(seen.sort()).toEqual([4096, 4097, 4098, 4099, 4100, 4101, 4102, 4103]);
    expect(onThread.stats().delivered).toBe(8);
  });
});
