import { describe, expect, it } from "vitest";
import { DEEP_RANK, alignedPlaces, callPairs, frontierInputs, slotsFor, type Pair } from "../src/guided.js";

// The deterministic stage of the coverage-guided mode: input-to-state on the last compares a call made.
const hex = (input: readonly unknown[]) => Buffer.from(input[0] as Uint8Array).toString("hex");

/** A runtime compare table (24-byte entries: a, b: u64; size, kind: u32), as the child returns it. */
function cmps(...entries: [a: bigint, b: bigint, size: number, kind: number][]): Uint8Array {
  const out = new Uint8Array(entries.length * 24);
  const v = new DataView(out.buffer);
  entries.forEach(([a, b, size, kind], i) => {
    v.setBigUint64(i * 24, a, true);
    v.setBigUint64(i * 24 + 8, b, true);
    v.setUint32(i * 24 + 16, size, true);
    v.setUint32(i * 24 + 20, kind, true);
  });
  return out;
}

describe("frontierInputs", () => {
  const args = ["buffer", "u32"];
  const lengthOf = { 1: 0 };
  const ctx = { slots: slotsFor(args, lengthOf, {}), lengthOf, names: args };

  it("replaces the value of the last compare first (by what it was compared with, one more, one less), then earlier ones", () => {
    const input = [Uint8Array.from([0x41, 0xf8, 0x00]), 3];
    // The call compared 0x41 with 0x80 (a constant, kind 1: `a` is the constant), then 0xF8 with 0xF5.
    const pairs = callPairs({ features: new Uint32Array(0), cmps: cmps([0x80n, 0x41n, 1, 1], [0xf5n, 0xf8n, 1, 1]) }, input);
    expect(pairs).toEqual([
      { seen: 0x41n, wanted: 0x80n, size: 1, constant: true },
      { seen: 0xf8n, wanted: 0xf5n, size: 1, constant: true },
    ]);
    const made = frontierInputs(input, pairs, ctx);
    expect(made.map((m) => [hex(m.input), m.rank])).toEqual([
      ["41f500", 0],
      ["41f600", 0],
      ["41f400", 0],
      ["80f800", 1],
      ["81f800", 1],
      ["7ff800", 1],
    ]);
    // Length arguments follow their buffers.
    for (const m of made) expect(m.input[1]).toBe(3);
  });

  it("finds a byte that a wider compare widened, and replaces it at its width; integer arguments too", () => {
    const input = [Uint8Array.from([0x07, 0x09]), 2];
    const pairs: Pair[] = [{ seen: 0x09n, wanted: 0x20n, size: 4 }];
    expect(frontierInputs(input, pairs, ctx).map((m) => hex(m.input))).toEqual(["0720", "0721", "071f"]);
    const ints = { slots: slotsFor(["u32", "i32"], {}, {}), lengthOf: {}, names: ["u32", "i32"] };
    const made = frontierInputs([7, -3], [{ seen: 7n, wanted: 1000n, size: 4 }, { seen: 0xfffffffdn, wanted: 5n, size: 4 }], ints);
    expect(made.map((m) => [m.input, m.rank])).toEqual([
      [[7, 5], 0],
      [[7, 6], 0],
      [[7, 4], 0],
      [[1000, -3], 1],
      [[1001, -3], 1],
      [[999, -3], 1],
    ]);
  });

  it("makes nothing from a value that is not in the input (computed from it), and looks at the last six compares only", () => {
    const input = [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 8];
    const pairs: Pair[] = [
      ...[1, 2, 3, 4, 5, 6, 7].map((b) => ({ seen: BigInt(b), wanted: 0x40n, size: 1 as const })),
      { seen: 0x123456n, wanted: 0x110000n, size: 4 },
    ];
    const made = frontierInputs(input, pairs, ctx);
    // The last compare (rank 0) gives nothing; then 7, 6, 5, 4, 3 (ranks 1..5); 2 and 1 are not looked at.
    expect([...new Set(made.map((m) => m.rank))]).toEqual([1, 2, 3, 4, 5]);
    expect(made[0]!.input[0]).toEqual(Uint8Array.from([1, 2, 3, 4, 5, 6, 0x40, 8]));
    expect(made.every((m) => (m.input[0] as Uint8Array)[0] === 1 && (m.input[0] as Uint8Array)[1] === 2)).toBe(true);
  });

  // A UTF-8-like decoder's compares (clang's strict range checks): the lead byte 0xF0 against 0xC1, 0xDF, 0xEF,
  // 0xF5 (it passes them: a four-byte sequence), its three continuation bytes against 0xBF, then six compares of
  // the bytes after it, where the call stopped.
  const c = (seen: number, wanted: number): Pair => ({ seen: BigInt(seen), wanted: BigInt(wanted), size: 1, constant: true });
  const lead = [c(0xf0, 0xc1), c(0xf0, 0xdf), c(0xf0, 0xef), c(0xf0, 0xf5), c(0x90, 0xbf), c(0x80, 0xbf)];
  const tail = [c(0x41, 0x80), c(0xc3, 0xc1), c(0xc3, 0xdf), c(0x20, 0xbf), c(0x20, 0x80), c(0x20, 0x7f)];

  it("places each compare where a front-to-back reader read it: at or after the place of the compare before", () => {
    // 0x41 and 0xC3 occur before the place the decoder reached (at 0 and 1): the compares read the later ones.
    const body = Uint8Array.from([0x41, 0xc3, 0xf0, 0x90, 0x80, 0x80, 0x41, 0xc3, 0x20]);
    expect([...alignedPlaces(body, [...lead, ...tail])]).toEqual([2, 2, 2, 2, 3, 4, 6, 7, 7, 8, 8, 8]);
    // A compare of two variables does not move the place on.
    const other: Pair = { seen: 0x20n, wanted: 0x41n, size: 1 };
    expect([...alignedPlaces(body, [other, c(0xc3, 0xc1)])]).toEqual([8, 1]);
  });

  it("without deep, looks at the last six compares only; with deep, every earlier compare with a constant gives the other end of its side of the bound", () => {
    const input = [Uint8Array.from([0x41, 0xc3, 0xf0, 0x90, 0x80, 0x80, 0x41, 0xc3, 0x20]), 9];
    const pairs = [...lead, { seen: 1n, wanted: 3n, size: 8 as const }, ...tail];
    const shallow = frontierInputs(input, pairs, ctx);
    expect(shallow.every((m) => m.rank < DEEP_RANK)).toBe(true);
    // The last compares replace the byte where the call read it (place 7), and the first 0xC3 (place 1) too.
    expect(shallow.map((m) => hex(m.input))).toContain("41c3f090808041c120");
    expect(shallow.map((m) => hex(m.input))).toContain("41c1f0908080" + "41c320");
    const deep = frontierInputs(input, pairs, ctx, { deep: true }).filter((m) => m.rank === DEEP_RANK);
    // Newest first: 0x80 < 0xBF gives 0xBE (at 4), 0x90 gives 0xBE (at 3), 0xF0 < 0xF5 gives 0xF4, 0xF0 > 0xEF gives
    // 0xF0 (the value itself: nothing), 0xF0 > 0xDF gives 0xE0, 0xF0 > 0xC1 gives 0xC2; the compare of two variables
    // (1 with 3) gives nothing.
    expect(deep.map((m) => hex(m.input))).toEqual([
      "41c3f090be8041c320",
      "41c3f0be808041c320",
      "41c3f4908080" + "41c320",
      "41c3e0908080" + "41c320",
      "41c3c2908080" + "41c320",
    ]);
    for (const m of deep) expect(m.input[1]).toBe(9);
  });
});
