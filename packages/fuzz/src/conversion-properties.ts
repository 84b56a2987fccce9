/**
 * Properties of @ffi-kit/core's conversions, checked against the reference model by calling real native code:
 * identity round-trips for every type, wide calls mixing every width (stack spill, sign and zero extension),
 * callbacks where C calls JS with generated values and JS returns generated values, `read.*` against DataView
 * on generated memory, and `ptr` / `toArrayBuffer` / `toBuffer` / `CString` on generated buffers and offsets.
 *
 * The native side is `conversions.c` (shipped in `test/fixtures/`), compiled into a shared library.
 */
import fc from "fast-check";
import { CFunction, CString, JSCallback, dlopen, ptr, read, toArrayBuffer, toBuffer } from "@ffi-kit/core";
import koffi from "koffi";
import { arbitraryFor, bytes, views, type ValueKind } from "./arbitraries.js";
import {
  expected,
  expectedArgument,
  expectedCString,
  expectedFromC,
  expectedPointerRejection,
  expectedPtr,
  expectedRead,
  expectedToArrayBuffer,
  READ_SIZES,
  type CValue,
  type Expectation,
  type ReadKind,
} from "./model.js";
import { disagreement, observe, show } from "./outcome.js";
import { ROUND_TRIP_TYPES, type TypeName } from "./type-names.js";

/** One named property over the conversions of core. */
export interface ConversionProperty {
  /** `identity:i32`, `wide:weigh_ints`, `callback:u64`, `read:f32`, `ptr:offsets`... */
  readonly name: string;
  /** The fast-check property; it throws an Error describing the disagreement when it fails. */
  readonly property: AnyProperty;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProperty = fc.IProperty<any>;

/** Thrown by a property when core and the model disagree. */
class Disagreement extends Error {
  override get name(): string {
    return "Disagreement";
  }
}

function must(message: string | null, what: () => string): void {
  if (message !== null) throw new Disagreement(`${what()}: ${message}`);
}

const addressOf = (view: ArrayBufferView | ArrayBuffer): number => Number(koffi.address(view));

/** Checks a returned pointer against the address of a view, using koffi's own view of it as the oracle. */
function viewAddressCheck(view: ArrayBufferView | ArrayBuffer, actual: unknown): string | null {
  const want = view.byteLength === 0 ? null : addressOf(view);
  if (want === null) return actual === null || typeof actual === "number" ? null : `expected an address for an empty view, got ${show(actual)}`;
  return actual === want ? null : `expected the address of ${show(view)} (${want}), got ${show(actual)}`;
}

const ID_SYMBOL: Readonly<Record<string, string>> = {
  char: "id_char", i8: "id_i8", u8: "id_u8", i16: "id_i16", u16: "id_u16", i32: "id_i32", u32: "id_u32",
  i64: "id_i64", u64: "id_u64", i64_fast: "id_i64", u64_fast: "id_u64", f32: "id_f32", f64: "id_f64",
  bool: "id_bool", ptr: "id_ptr", cstring: "id_ptr", buffer: "id_ptr", function: "id_ptr",
};

const CB_SYMBOL: Readonly<Record<string, string>> = {
  char: "cb_char", i8: "cb_i8", u8: "cb_u8", i16: "cb_i16", u16: "cb_u16", i32: "cb_i32", u32: "cb_u32",
  i64: "cb_i64", u64: "cb_u64", i64_fast: "cb_i64", u64_fast: "cb_u64", f32: "cb_f32", f64: "cb_f64",
  bool: "cb_bool", ptr: "cb_ptr",
};

const SYMBOLS = [
  ...new Set([...Object.values(ID_SYMBOL), ...Object.values(CB_SYMBOL)]),
  "weigh_ints", "sum_mixed", "pick_float", "cb_mixed", "sum_bytes", "c_strlen",
];

/** Opens the conversion library once per path; the properties share it. */
const libraries = new Map<string, { symbols: Record<string, { ptr: number }> }>();
function open(library: string): { symbols: Record<string, { ptr: number }> } {
  let lib = libraries.get(library);
  if (lib === undefined) {
    // Declared through CFunction per use; dlopen here only resolves the addresses (any declaration works).
    lib = dlopen(library, Object.fromEntries(SYMBOLS.map((s) => [s, { args: [], returns: "void" }]))) as never;
    libraries.set(library, lib!);
  }
  return lib!;
}

type Fn = ((...args: unknown[]) => unknown) & { close(): void };
function declare(library: string, symbol: string, args: readonly string[], returns: string): Fn {
  const address = open(library).symbols[symbol]!.ptr;
  return new CFunction({ ptr: address, args: args as never, returns: returns as never }) as unknown as Fn;
}

/** Options for {@link conversionProperties}. */
export interface ConversionPropertyOptions {
  /** Path of the compiled `conversions.c` library. */
  readonly library: string;
  /** Value kinds for identity and callback inputs (default: all). */
  readonly kinds?: readonly ValueKind[];
}

function identity(library: string, type: TypeName, kinds: readonly ValueKind[] | undefined): ConversionProperty {
  const returns = type === "cstring" || type === "buffer" || type === "function" ? "ptr" : type;
  const fn = declare(library, ID_SYMBOL[type]!, [type], returns);
  const property = fc.property(arbitraryFor(type, kinds ? { kinds } : {}), (value) => {
    let expectation: Expectation = expected(type, value);
    // For pointer-like argument types the result is read back as a `ptr`.
    if (returns !== type && expectation.kind === "value") {
      const c = expectedArgument(type, value) as CValue;
      expectation = expectedFromC("ptr", c);
    }
    must(disagreement(expectation, observe(() => fn(value)), viewAddressCheck), () => `id_${type}(${show(value)})`);
  });
  return { name: `identity:${type}`, property: property };
}

const INTEGER_ARGS = ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "char", "bool", "i8", "u16", "i32", "i64"] as const;

function cValueOf(type: string, value: unknown): CValue | Expectation {
  const c = expectedArgument(type, value);
  return c;
}

/** Runs the model over every argument: the first refused argument decides the call's error. */
function convertAll(types: readonly string[], values: readonly unknown[]): { values: CValue[] } | { outcome: Expectation } {
  const out: CValue[] = [];
  for (let i = 0; i < types.length; i++) {
    const c = cValueOf(types[i]!, values[i]);
    if (c.kind === "error" || c.kind === "unspecified") return { outcome: c as Expectation };
    out.push(c as CValue);
  }
  return { values: out };
}

function numeric(c: CValue): number | bigint | boolean {
  if (c.kind === "view") throw new Error("unexpected view");
  return c.value;
}

function wideIntegers(library: string): ConversionProperty {
  const fn = declare(library, "weigh_ints", INTEGER_ARGS, "u64");
  const arb = fc.tuple(...INTEGER_ARGS.map((t) => arbitraryFor(t, { kinds: ["inRange", "boundary", "outOfDomain"] })));
  const property = fc.property(arb, (values) => {
    const converted = convertAll(INTEGER_ARGS, values);
    let expectation: Expectation;
    if ("outcome" in converted) expectation = converted.outcome;
    else {
      let sum = 0n;
      converted.values.forEach((c, i) => {
        const v = numeric(c);
        sum += (typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v)) * BigInt(i + 1);
      });
      expectation = { kind: "value", value: BigInt.asUintN(64, sum) };
    }
    must(disagreement(expectation, observe(() => fn(...values))), () => `weigh_ints(${values.map(show).join(", ")})`);
  });
  return { name: "wide:weigh_ints", property: property };
}

const MIXED_ARGS = ["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64", "bool", "i32", "f64"] as const;

function wideMixed(library: string): ConversionProperty {
  const fn = declare(library, "sum_mixed", MIXED_ARGS, "f64");
  const arb = fc.tuple(...MIXED_ARGS.map((t) => arbitraryFor(t, { kinds: ["inRange", "boundary"] })));
  const property = fc.property(arb, (values) => {
    const converted = convertAll(MIXED_ARGS, values);
    let expectation: Expectation;
    if ("outcome" in converted) expectation = converted.outcome;
    else {
      // Evaluated in the order and precision of the C source: each term in double, summed left to right.
      const v = converted.values.map(numeric);
      const d = (x: number | bigint | boolean) => (typeof x === "boolean" ? (x ? 1 : 0) : Number(x));
      let s = d(v[0]!) * 1.0;
      for (let i = 1; i < v.length; i++) s += i === 10 ? (v[i] ? 11.0 : 0.0) : d(v[i]!) * (i + 1);
      expectation = { kind: "value", value: s };
    }
    must(disagreement(expectation, observe(() => fn(...values))), () => `sum_mixed(${values.map(show).join(", ")})`);
  });
  return { name: "wide:sum_mixed", property: property };
}

const FLOAT_ARGS = ["f64", "f32", "f64", "f32", "f64", "f32", "f64", "f32", "f64", "f32", "f64", "f32"] as const;

function wideFloats(library: string): ConversionProperty {
  const fn = declare(library, "pick_float", ["i32", ...FLOAT_ARGS], "f64");
  const arb = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.tuple(...FLOAT_ARGS.map((t) => arbitraryFor(t))));
  const property = fc.property(arb, ([which, values]) => {
    const converted = convertAll(FLOAT_ARGS, values);
    const expectation: Expectation =
      "outcome" in converted ? converted.outcome : { kind: "value", value: numeric(converted.values[which]!) };
    must(disagreement(expectation, observe(() => fn(which, ...values))), () => `pick_float(${which}, ${values.map(show).join(", ")})`);
  });
  return { name: "wide:pick_float", property: property };
}

function callback(library: string, type: TypeName, kinds: readonly ValueKind[] | undefined): ConversionProperty {
  const fn = declare(library, CB_SYMBOL[type]!, ["function", type], type);
  // One JSCallback per property, whose next return value is set before each call (trampolines are scarce).
  let next: unknown;
  let seen: unknown[] = [];
  const cb = new JSCallback((x: unknown) => {
    seen.push(x);
    return next;
  }, { args: [type] as never, returns: type as never });
  const arb = fc.tuple(arbitraryFor(type, { kinds: ["inRange", "boundary"] }), arbitraryFor(type, kinds ? { kinds } : {}));
  const property = fc.property(arb, ([x, y]) => {
    next = y;
    seen = [];
    const outcome = observe(() => fn(cb.ptr, x));
    const cx = expectedArgument(type, x);
    if (cx.kind === "error" || cx.kind === "unspecified") {
      must(disagreement(cx, outcome), () => `cb_${type}(cb, ${show(x)})`);
      return;
    }
    // What JS saw: C's value of x, converted as a callback argument.
    must(
      seen.length === 1 ? disagreement(expectedFromC(type, cx), { ok: true, value: seen[0] }, viewAddressCheck) : `callback ran ${seen.length} times`,
      () => `cb_${type}(cb, ${show(x)}): the value JS received`,
    );
    // What came back: y converted as the callback's return value, then returned by C. A refused value makes the
    // call throw after it returns.
    must(disagreement(expected(type, y), outcome, viewAddressCheck), () => `cb_${type}(cb, ${show(x)}) with the callback returning ${show(y)}`);
  });
  return { name: `callback:${type}`, property: property };
}

/**
 * A JS exception thrown inside a callback during a synchronous call reaches the JS caller after the call returns
 * (the same error object), and the next call through the same callback works normally.
 */
function callbackThrows(library: string): ConversionProperty {
  const types: TypeName[] = ["i32", "u64", "f64", "bool", "ptr"];
  let mode: { throwIt: unknown } | null = null;
  const setups = types.map((type) => {
    const fn = declare(library, CB_SYMBOL[type]!, ["function", type], type);
    const cb = new JSCallback((x: unknown) => {
      if (mode !== null) throw mode.throwIt;
      return x;
    }, { args: [type] as never, returns: type as never });
    return { type, fn, cb };
  });
  const thrown = fc.oneof(
    fc.string().map((m) => new Error(m)),
    fc.string().map((m) => new RangeError(m)),
    fc.constantFrom<unknown>("a string", 42, null, undefined, { custom: true }),
  );
  const arb = fc.tuple(fc.nat(types.length - 1), fc.nat(), thrown);
  const property = fc.property(arb, ([which, seedValue, error]) => {
    const { type, fn, cb } = setups[which]!;
    const x = fc.sample(arbitraryFor(type, { kinds: ["inRange"] }), { seed: seedValue, numRuns: 1 })[0];
    mode = { throwIt: error };
    const outcome = observe(() => fn(cb.ptr, x));
    mode = null;
    const what = () => `cb_${type}(cb, ${show(x)}) with the callback throwing ${show(error)}`;
    must(!outcome.ok && outcome.error === error ? null : `expected the thrown value itself, got ${outcome.ok ? show(outcome.value) : show(outcome.error)}`, what);
    // The next call is unaffected.
    must(disagreement(expected(type, x), observe(() => fn(cb.ptr, x)), viewAddressCheck), () => `${what()}, then again without throwing`);
  });
  return { name: "callback:throws", property };
}

const CB_MIXED_ARGS = ["i8", "u16", "i32", "i64", "u64", "f32", "f64", "bool"] as const;

function callbackMixed(library: string): ConversionProperty {
  const fn = declare(library, "cb_mixed", ["function", ...CB_MIXED_ARGS], "f64");
  let seen: unknown[] | undefined;
  let next: unknown = 0;
  const cb = new JSCallback((...args: unknown[]) => {
    seen = args;
    return next;
  }, { args: CB_MIXED_ARGS as never, returns: "f64" });
  const arb = fc.tuple(fc.tuple(...CB_MIXED_ARGS.map((t) => arbitraryFor(t, { kinds: ["inRange", "boundary"] }))), arbitraryFor("f64", { kinds: ["inRange", "boundary"] }));
  const property = fc.property(arb, ([values, y]) => {
    seen = undefined;
    next = y;
    const outcome = observe(() => fn(cb.ptr, ...values));
    const converted = convertAll(CB_MIXED_ARGS, values);
    if ("outcome" in converted) {
      must(disagreement(converted.outcome, outcome), () => `cb_mixed(cb, ${values.map(show).join(", ")})`);
      return;
    }
    const want = converted.values.map((c, i) => expectedFromC(CB_MIXED_ARGS[i]!, c));
    const got = seen ?? [];
    want.forEach((w, i) =>
      must(disagreement(w, { ok: true, value: got[i] }), () => `cb_mixed(cb, ${values.map(show).join(", ")}): argument ${i + 1} as JS received it`),
    );
    must(disagreement(expected("f64", y), outcome), () => `cb_mixed(...) with the callback returning ${show(y)}`);
  });
  return { name: "callback:mixed", property: property };
}

const READ_KINDS = Object.keys(READ_SIZES) as ReadKind[];

function reads(): ConversionProperty {
  const arb = fc
    .tuple(fc.constantFrom(...READ_KINDS), bytes({ minLength: 8, maxLength: 64 }), fc.nat(), fc.boolean())
    .map(([kind, memory, at, viaAddress]) => ({ kind, memory, offset: at % (memory.length - READ_SIZES[kind] + 1), viaAddress }));
  const property = fc.property(arb, ({ kind, memory, offset, viaAddress }) => {
    const base = addressOf(memory);
    const outcome = observe(() => (viaAddress ? read[kind](base + offset) : read[kind](base, offset)));
    must(disagreement(expectedRead(kind, memory, offset), outcome), () => `read.${kind}(${viaAddress ? `p + ${offset}` : `p, ${offset}`}) over ${show(memory)}`);
  });
  return { name: "read:dataview", property: property };
}

function readRejections(): ConversionProperty {
  const badPointer = fc.oneof(
    fc.integer({ min: -(2 ** 20), max: 4095 }),
    fc.constantFrom<unknown>(null, undefined, "4096", true, {}, NaN, -0),
  );
  const arb = fc.tuple(fc.constantFrom(...READ_KINDS), badPointer, fc.option(fc.integer({ min: -64, max: 64 }), { nil: undefined }));
  const property = fc.property(arb, ([kind, p, offset]) => {
    const rejection = expectedPointerRejection(p, offset ?? 0);
    // A valid address would be read for real: not what this property is about (and page 1 may be unmapped).
    if (rejection === null) return;
    const outcome = observe(() => read[kind](p as number, offset));
    must(disagreement(rejection, outcome), () => `read.${kind}(${show(p)}${offset === undefined ? "" : `, ${offset}`})`);
  });
  return { name: "read:rejects-invalid-pointers", property: property };
}

function pointers(): ConversionProperty {
  const arb = fc.tuple(views(), fc.option(fc.integer({ min: -4, max: 140 }), { nil: undefined }));
  const property = fc.property(arb, ([{ view }, offset]) => {
    const rule = expectedPtr(view, offset);
    const outcome = observe(() => ptr(view as Uint8Array, offset));
    const what = () => `ptr(${show(view)}${offset === undefined ? "" : `, ${offset}`})`;
    if (rule.kind === "offset") {
      must(disagreement({ kind: "value", value: addressOf(view) + rule.offset }, outcome), what);
      must(disagreement({ kind: "value", value: outcome.ok ? outcome.value : NaN }, observe(() => ptr(view as Uint8Array, offset))), () => `${what()} twice`);
    } else must(disagreement(rule, outcome), what);
  });
  return { name: "ptr:views-and-offsets", property: property };
}

function pointerRejections(): ConversionProperty {
  const arb = fc.oneof(
    fc.constantFrom<unknown>(new Uint8Array(0), new ArrayBuffer(0), new DataView(new ArrayBuffer(0)), null, undefined, 4096, "abc", {}, [1]),
    fc.anything(),
  );
  const property = fc.property(arb, (view) => {
    const rule = expectedPtr(view);
    if (rule.kind === "offset") return;
    must(disagreement(rule, observe(() => ptr(view as Uint8Array))), () => `ptr(${show(view)})`);
  });
  return { name: "ptr:rejects-non-views", property: property };
}

/** Bytes followed by a NUL, an offset inside them and an optional length that stays inside. */
const terminatedMemory = fc
  .tuple(bytes({ minLength: 1, maxLength: 48 }), fc.nat(), fc.option(fc.nat(), { nil: undefined }))
  .map(([body, at, len]) => {
    const memory = new Uint8Array(body.length + 1);
    memory.set(body);
    const offset = at % body.length;
    const byteLength = len === undefined ? undefined : 1 + (len % (body.length - offset));
    return { memory, offset, byteLength };
  });

function arrayBuffers(): ConversionProperty {
  const property = fc.property(terminatedMemory, fc.boolean(), ({ memory, offset, byteLength }, asBuffer) => {
    const p = addressOf(memory);
    const want = expectedToArrayBuffer(memory, offset, byteLength);
    const what = () => `${asBuffer ? "toBuffer" : "toArrayBuffer"}(p, ${offset}, ${show(byteLength)}) over ${show(memory)}`;
    const outcome = observe(() => {
      const b = asBuffer ? toBuffer(p, offset, byteLength) : toArrayBuffer(p, offset, byteLength);
      return new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)).slice();
    });
    if (want.kind !== "bytes") return;
    if (!outcome.ok) must(`expected ${show(want.bytes)}, got ${show(outcome.error)}`, what);
    const got = outcome.ok ? (outcome.value as Uint8Array) : new Uint8Array(0);
    const same = got.length === want.bytes.length && got.every((b, i) => b === want.bytes[i]);
    must(same ? null : `expected ${show(want.bytes)}, got ${show(got)}`, what);
    if (asBuffer) return;
    // Zero-copy: the view aliases the memory.
    if (want.bytes.length > 0) {
      const alias = new Uint8Array(toArrayBuffer(p, offset, byteLength));
      const old = memory[offset]!;
      memory[offset] = old ^ 0x5a || 1;
      const seenChange = alias[0] === memory[offset];
      memory[offset] = old;
      must(seenChange ? null : "the ArrayBuffer is a copy, not a view of the memory", what);
    }
  });
  return { name: "toArrayBuffer:offsets-and-lengths", property: property };
}

function cstrings(): ConversionProperty {
  const property = fc.property(terminatedMemory, ({ memory, offset, byteLength }) => {
    const p = addressOf(memory);
    const what = () => `new CString(p, ${offset}, ${show(byteLength)}) over ${show(memory)}`;
    const outcome = observe(() => new CString(p as never, offset, byteLength));
    if (!outcome.ok) must(`expected a CString, got ${show(outcome.error)}`, what);
    const s = outcome.ok ? (outcome.value as CString) : undefined;
    must(s instanceof String ? null : `expected an object extending String, got ${show(s)}`, what);
    must(disagreement({ kind: "value", value: expectedCString(memory, offset, byteLength) }, { ok: true, value: String(s) }), what);
    must(disagreement({ kind: "value", value: p }, { ok: true, value: Number(s!.ptr) }), () => `${what()}.ptr`);
  });
  return { name: "CString:offsets-and-lengths", property: property };
}

function cstringReturns(library: string): ConversionProperty {
  const fn = declare(library, "id_ptr", ["buffer"], "cstring");
  const property = fc.property(terminatedMemory, ({ memory }) => {
    const outcome = observe(() => fn(memory));
    const text = expectedCString(memory, 0);
    const what = () => `id_ptr(${show(memory)}) returning cstring`;
    if (!outcome.ok) must(`expected ${show(text)}, got ${show(outcome.error)}`, what);
    must(disagreement({ kind: "value", value: text }, { ok: true, value: String(outcome.ok ? outcome.value : "") }), what);
    must(outcome.ok && outcome.value instanceof CString ? null : "expected a CString object", what);
  });
  return { name: "cstring:returns", property: property };
}

function nullCString(library: string): ConversionProperty {
  const fn = declare(library, "id_ptr", ["ptr"], "cstring");
  const property = fc.property(fc.constantFrom<unknown>(null, undefined, 0, 0n), (p) => {
    must(disagreement({ kind: "value", value: null }, observe(() => fn(p))), () => `id_ptr(${show(p)}) returning cstring`);
  });
  return { name: "cstring:null", property: property };
}

/** Every identity property's type, in order. */
export const IDENTITY_TYPES: readonly TypeName[] = Object.freeze([...ROUND_TRIP_TYPES, "buffer", "function", "cstring"]);
/** Types with a callback property. */
export const CALLBACK_TYPES: readonly TypeName[] = ROUND_TRIP_TYPES;

type Factory = (library: string, kinds: readonly ValueKind[] | undefined) => ConversionProperty;

/** Every property by name, built on first use (declarations and JSCallbacks are made once per library). */
const FACTORIES: ReadonlyArray<readonly [string, Factory]> = [
  ...IDENTITY_TYPES.map((t) => [`identity:${t}`, (l: string, k: readonly ValueKind[] | undefined) => identity(l, t, k)] as const),
  ["wide:weigh_ints", (l) => wideIntegers(l)],
  ["wide:sum_mixed", (l) => wideMixed(l)],
  ["wide:pick_float", (l) => wideFloats(l)],
  ...CALLBACK_TYPES.map((t) => [`callback:${t}`, (l: string, k: readonly ValueKind[] | undefined) => callback(l, t, k)] as const),
  ["callback:mixed", (l) => callbackMixed(l)],
  ["callback:throws", (l) => callbackThrows(l)],
  ["read:dataview", () => reads()],
  ["read:rejects-invalid-pointers", () => readRejections()],
  ["ptr:views-and-offsets", () => pointers()],
  ["ptr:rejects-non-views", () => pointerRejections()],
  ["toArrayBuffer:offsets-and-lengths", () => arrayBuffers()],
  ["CString:offsets-and-lengths", () => cstrings()],
  ["cstring:returns", (l) => cstringReturns(l)],
  ["cstring:null", (l) => nullCString(l)],
];

/** The names of all conversion properties, in order. */
export const CONVERSION_PROPERTY_NAMES: readonly string[] = Object.freeze(FACTORIES.map(([name]) => name));

const built = new Map<string, ConversionProperty>();

/**
 * The conversion properties (all, or those whose name `only` matches), built against the compiled
 * `conversions.c` library. Each is built once per library and value kinds, then shared.
 *
 * @example
 * for (const { name, property } of conversionProperties({ library })) fc.assert(property, { numRuns: 200 });
 */
export function conversionProperties(options: ConversionPropertyOptions & { readonly only?: string | RegExp }): ConversionProperty[] {
  const { library, kinds, only } = options;
  const selected = FACTORIES.filter(([name]) => only === undefined || (typeof only === "string" ? name === only : only.test(name)));
  return selected.map(([name, make]) => {
    const key = `${library}\u0000${kinds?.join(",") ?? ""}\u0000${name}`;
    let p = built.get(key);
    if (p === undefined) built.set(key, (p = make(library, kinds)));
    return p;
  });
}
