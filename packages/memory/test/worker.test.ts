// Worker threads: terminating a worker runs neither 'exit' listeners nor FinalizationRegistry callbacks, but the
// addon's finalizers run at its teardown, so memory adopted with a native free (own() with a free pointer,
// toArrayBuffer with a deallocator) is freed exactly once. (JS free functions cannot run then: see README.)
import { describe, it, expect } from "vitest";
import { lastJson, runChild } from "./child-process.js";

describe("worker threads", () => {
  it("terminating a worker frees what it adopted with native frees, once", () => {
    const r = runChild("worker-main.mjs", [], { CA_REPORT_AT_EXIT: "1" });
    expect(r.status, r.stderr).toBe(0);
    const rounds = lastJson<Array<{ allocs: number; frees: number; badFrees: number; live: number }>>(r.stdout);
    expect(rounds).toEqual([
      { allocs: 400, frees: 400, badFrees: 0, live: 0, bytesLive: 0 },
      { allocs: 800, frees: 800, badFrees: 0, live: 0, bytesLive: 0 },
      { allocs: 1200, frees: 1200, badFrees: 0, live: 0, bytesLive: 0 },
    ]);
    expect(r.stderr).toMatch(/counting_alloc: allocs=1200 frees=1200 bad_frees=0 live=0/);
  });
});
