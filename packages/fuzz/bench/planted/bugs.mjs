// The thirteen planted bugs of planted.c: how to fuzz each function (what a user would pass to fuzzLibrary), the
// kind of bug, the failure it must produce, and its minimal failing input where one exists (`minimal: null`
// where many inputs are minimal). Shared by bench/planted-bench.mjs and test/planted-coverage.test.ts.

const bytes = (...b) => Uint8Array.from(b);
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const popcount = (x) => {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) n += v & 1;
  return n;
};

/**
 * @type {readonly {
 *   id: string, kind: string, symbol: string, args: string[], returns: string, lengthOf?: Record<number, number>,
 *   property?: (args: readonly unknown[], result: unknown) => boolean, propertySource?: string,
 *   failure: { kind: "crash" | "timeout" | "property", signal?: string }, minimal: unknown[] | null, note: string,
 * }[]}
 */
export const PLANTED_BUGS = Object.freeze([
  {
    id: "heap-overflow",
    kind: "heap overflow at one length",
    symbol: "frame_decode", args: ["buffer", "u32"], returns: "i64", lengthOf: { 1: 0 },
    failure: { kind: "crash", signal: "SIGABRT" },
    minimal: [Uint8Array.from([0x46, ...new Array(44).fill(0)]), 45],
    note: "'F' + 44 zero bytes",
  },
  {
    id: "signed-unsigned",
    kind: "signed/unsigned comparison",
    symbol: "copy_items", args: ["buffer", "u32", "i32"], returns: "i32", lengthOf: { 1: 0 },
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: [new Uint8Array(0), 0, -1],
    note: "count -1",
  },
  {
    id: "size-overflow",
    kind: "size overflow (a*b wraps)",
    symbol: "matrix_fill", args: ["u32", "u32"], returns: "i32",
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: null,
    note: "rows*cols > 2^32, wrapping to 1..4096",
  },
  {
    id: "division",
    kind: "division by zero on one operand pair",
    symbol: "calibrate", args: ["i32", "i32"], returns: "i32",
    failure: { kind: "crash", signal: "SIGFPE" },
    minimal: [104729, 7919],
    note: "(104729, 7919)",
  },
  {
    id: "assert",
    kind: "assertion on a rule (UTF-8 max code point)",
    symbol: "utf8_count", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 },
    failure: { kind: "crash", signal: "SIGABRT" },
    minimal: [bytes(0xf4, 0x90, 0x80, 0x80), 4],
    note: "F4 90 80 80",
  },
  {
    id: "hang",
    kind: "hang for one value",
    symbol: "wait_ready", args: ["u32"], returns: "i32",
    failure: { kind: "timeout" },
    minimal: [0xbeef],
    note: "48879 (0xBEEF)",
  },
  {
    id: "recursion",
    kind: "deep recursion (stack overflow)",
    symbol: "gcd_steps", args: ["u32", "u32"], returns: "u32",
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: null,
    note: "a / b above the stack depth",
  },
  {
    id: "double-free",
    kind: "double free on one path",
    symbol: "message_parse", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 },
    failure: { kind: "crash", signal: "SIGABRT" },
    minimal: [bytes(0x7e), 1],
    note: "the byte 7E",
  },
  {
    id: "off-by-one",
    kind: "off-by-one on one string length",
    symbol: "set_label", args: ["cstring"], returns: "i32",
    failure: { kind: "crash", signal: "SIGABRT" },
    minimal: [Uint8Array.from([...new Array(12).fill(1), 0])],
    note: "a 12-character string",
  },
  {
    id: "magic-string",
    kind: "magic string compare (memcmp)",
    symbol: "gif_size", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 },
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: [ascii("GIF89a"), 6],
    note: '"GIF89a"',
  },
  {
    id: "magic-switch",
    kind: "switch on a magic integer",
    symbol: "run_opcode", args: ["u32", "i32"], returns: "i32",
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: [0x5eed07, 0],
    note: "(0x5EED07, 0)",
  },
  {
    id: "magic-command",
    kind: "magic string compare (strcmp)",
    symbol: "run_command", args: ["cstring"], returns: "i32",
    failure: { kind: "crash", signal: "SIGSEGV" },
    minimal: [Uint8Array.from([...ascii("reboot"), 0])],
    note: '"reboot"',
  },
  {
    id: "sparse-property",
    kind: "wrong result for 1 value in 65536",
    symbol: "bit_count", args: ["u32"], returns: "u32",
    property: ([x], result) => result === popcount(x),
    propertySource: "result === [...args[0].toString(2)].filter((d) => d === '1').length",
    failure: { kind: "property" },
    minimal: [0xa5c3],
    note: "42435 (0xA5C3); property: result === popcount(x)",
  },
]);

/** Whether a shrunk input equals a documented minimal one (byte arrays compared by content). */
export function sameInput(a, b) {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x instanceof Uint8Array && y instanceof Uint8Array) return x.length === y.length && x.every((v, j) => v === y[j]);
    return Object.is(x, y) || (typeof x === typeof y && x === y);
  });
}
