// The pthread fixture (test/fixtures/producers.c), loaded through @ffi-kit/core, plus helpers shared by the tests.
import { dlopen } from "@ffi-kit/core";
import { fileURLToPath } from "node:url";

export const fixturePath = fileURLToPath(new URL("./fixtures/build/libproducers.so", import.meta.url));

const start = { args: ["ptr", "i32", "i32"], returns: "void" } as const;
export const lib = dlopen(fixturePath, {
  start_pairs: start,
  start_every: start,
  start_text: start,
  start_i32: start,
  join_all: { args: [], returns: "void" },
  calls_done: { args: [], returns: "i64_fast" },
  mismatch_count: { args: [], returns: "i64_fast" },
  eagain_count: { args: [], returns: "i64_fast" },
  sleep_ms: { args: ["i32"], returns: "void" },
  wait_calls: { args: ["i64", "i32"], returns: "i64_fast" },
  call_i32: { args: ["ptr", "i32", "i32"], returns: "i32" },
  call_f64: { args: ["ptr", "f64", "i32"], returns: "f64" },
  call_f32: { args: ["ptr", "f32", "i32"], returns: "f32" },
  call_i64: { args: ["ptr", "i64", "i32"], returns: "i64" },
  call_u64: { args: ["ptr", "u64"], returns: "u64" },
  call_bool: { args: ["ptr", "i32"], returns: "bool" },
  call_ptr: { args: ["ptr", "ptr"], returns: "ptr" },
  call_pair: { args: ["ptr", "i32", "i32"], returns: "void" },
  call_pair_n: { args: ["ptr", "i32"], returns: "void" },
  call_wide: { args: ["ptr"], returns: "f64" },
  start_one: { args: ["ptr", "i32"], returns: "void" },
  join_one: { args: [], returns: "f64" },
  start_delayed: { args: ["ptr", "i32"], returns: "void" },
  start_pairs_group: { args: ["ptr", "i32", "i32"], returns: "ptr" },
  join_group: { args: ["ptr"], returns: "void" },
});

/** Resolves once `done()` is true, checking on every turn of the event loop (fails after `ms`). */
export async function until(done: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!done()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Records calls (producer, i) and checks that each producer's calls arrive as 0, 1, 2... */
export class OrderCheck {
  readonly next: number[];
  errors = 0;
  count = 0;
  constructor(producers: number) {
    this.next = new Array(producers).fill(0);
  }
  see(id: number, i: number): void {
    if (this.next[id] !== i) this.errors++;
    this.next[id] = i + 1;
    this.count++;
  }
}

/** The values producers.c sends as call i of thread id (mirrors v_* there). */
export function everyExpected(id: number, i: number): unknown[] {
  return [
    id,
    i,
    ((i * 7 + id) << 24) >> 24,
    (i * 3 + id) & 255,
    ((i * 31 - id) << 16) >> 16,
    (i * 17 + 40000) & 0xffff,
    (4000000000 + i) >>> 0,
    i % 2 ? -(2n ** 63n) + BigInt(i) : -(BigInt(i) << 40n) - BigInt(id),
    2n ** 64n - 1n - BigInt(i) * 1000003n,
    Math.fround(Math.fround(i) / 8 + Math.fround(0.1)),
    i % 3 === 0 ? -0 : (i * 1e300) / 3,
    i % 3 === 1,
    i % 5 === 0 ? null : 0x7f0000000000 + i * 8,
    i % 2 ? -5 : 65 + id,
    i % 2 ? 9007199254740993n + BigInt(i) : i === 0 ? 0 : -i,
    i % 2 ? 2n ** 64n - 1n - BigInt(i) : i * 1000,
  ];
}
