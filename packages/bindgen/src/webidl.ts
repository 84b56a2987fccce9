/**
 * The WebIDL conversions (https://webidl.spec.whatwg.org/#es-type-mapping) behind the schema types: the slow paths
 * of the generated wrappers. Generated code handles the common case inline and calls these for everything else.
 * `site` names the argument in messages: `add(): argument 2 (b)`.
 */
import { FFIError } from "@ffi-kit/core";
import { describeReceived, invalidArgType, invalidArgValue, withCode } from "@ffi-kit/core/internal";

const { trunc, floor, min: mathMin, max: mathMax } = Math;
const { asIntN, asUintN } = BigInt;
const BigIntCtor = BigInt;
const StringCtor = String;

/** WebIDL ToNumber, refusing what ECMAScript's ToNumber refuses (symbols, bigints) with a named TypeError. */
export function toNumber(v: unknown, site: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "symbol") {
    throw invalidArgType(`${site} must be convertible to a number. Received ${describeReceived(v)}`);
  }
  return +(v as number);
}

/** Rounds to the nearest integer, ties to even, and never returns -0 (WebIDL [Clamp]). */
export function roundHalfEven(x: number): number {
  const f = floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r + 0;
}

function normalize64(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** WebIDL ConvertToInt without attributes: ToNumber, then modulo 2^bits (NaN and infinities become 0). */
export function intWrap(v: unknown, bits: number, signed: boolean, site: string): number {
  const x = toNumber(v, site);
  switch (bits) {
    case 8:
      return signed ? (x << 24) >> 24 : x & 255;
    case 16:
      return signed ? (x << 16) >> 16 : x & 65535;
    default:
      return signed ? x | 0 : x >>> 0;
  }
}

/** 64-bit wrap: numbers as WebIDL (IntegerPart modulo 2^64), bigints modulo 2^64. Safe results as numbers. */
export function int64Wrap(v: unknown, signed: boolean, site: string): number | bigint {
  if (typeof v === "bigint") return normalize64(signed ? asIntN(64, v) : asUintN(64, v));
  const x = toNumber(v, site);
  if (x !== x || x === Infinity || x === -Infinity) return 0;
  const b = BigIntCtor(trunc(x));
  return normalize64(signed ? asIntN(64, b) : asUintN(64, b));
}

/** WebIDL [Clamp]: ToNumber, NaN to 0, clamp to [lo, hi], round half to even. 64-bit types also clamp bigints. */
export function intClamp(v: unknown, lo: number, hi: number, bigints: boolean, site: string): number | bigint {
  if (bigints && typeof v === "bigint") {
    const l = BigIntCtor(lo);
    const h = BigIntCtor(hi);
    return normalize64(v < l ? l : v > h ? h : v);
  }
  const x = toNumber(v, site);
  if (x !== x) return 0;
  return roundHalfEven(mathMin(mathMax(x, lo), hi));
}

/** WebIDL [EnforceRange]: ToNumber; non-finite or (after truncation) out-of-range values throw a TypeError. */
export function intEnforce(v: unknown, lo: number, hi: number, bigints: boolean, site: string): number | bigint {
  if (bigints && typeof v === "bigint") {
    if (v < BigIntCtor(lo) || v > BigIntCtor(hi)) throw enforceRangeError(v, lo, hi, site);
    return normalize64(v);
  }
  const x = toNumber(v, site);
  if (x !== x || x === Infinity || x === -Infinity) {
    throw withCode(new TypeError(`${site} must be a finite number (enforceRange). Received ${describeReceived(v)}`), "ERR_INVALID_ARG_VALUE");
  }
  const i = trunc(x) + 0;
  if (i < lo || i > hi) throw enforceRangeError(v, lo, hi, site);
  return i;
}

function enforceRangeError(v: unknown, lo: number, hi: number, site: string): TypeError {
  return withCode(
    new TypeError(`${site} is out of range: it must be an integer >= ${lo} && <= ${hi} (enforceRange). Received ${describeReceived(v)}`),
    "ERR_INVALID_ARG_VALUE",
  );
}

function rejectNul(s: string, site: string): string {
  if (s.includes("\0")) {
    throw invalidArgValue(`${site} must not contain NUL characters (C would see a truncated string). Received ${describeReceived(s)}`);
  }
  return s;
}

/** WebIDL ToString (symbols throw), then refuses NUL characters, which C cannot see. */
export function domString(v: unknown, site: string): string {
  if (typeof v === "string") return rejectNul(v, site);
  if (typeof v === "symbol") throw invalidArgType(`${site} must be convertible to a string. Received ${describeReceived(v)}`);
  return rejectNul(StringCtor(v), site);
}

/** WebIDL USVString: DOMString, then lone surrogates become U+FFFD. */
export function usvString(v: unknown, site: string): string {
  return wellFormed(domString(v, site));
}

/** WebIDL ByteString: DOMString whose code units are all <= 0xFF; returned as NUL-terminated Latin-1 bytes. */
export function byteString(v: unknown, site: string): Buffer {
  const s = domString(v, site);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      throw withCode(
        new TypeError(`${site} must be a ByteString: character ${i} (U+${c.toString(16).toUpperCase().padStart(4, "0")}) is above U+00FF. Received ${describeReceived(s)}`),
        "ERR_INVALID_ARG_VALUE",
      );
    }
  }
  return Buffer.from(`${s}\0`, "latin1");
}

/** WebIDL enumeration: ToString, then the index of the value; anything else throws a TypeError. */
export function stringEnum(v: unknown, values: readonly string[], site: string): number {
  if (typeof v === "symbol") throw invalidArgType(`${site} must be convertible to a string. Received ${describeReceived(v)}`);
  const s = typeof v === "string" ? v : StringCtor(v);
  const i = values.indexOf(s);
  if (i === -1) {
    throw invalidArgValue(`${site} must be one of: ${values.map((x) => `'${x}'`).join(", ")}. Received ${describeReceived(v)}`);
  }
  return i;
}

/** A native enum: a member value (number) or a member name (string); anything else throws a TypeError. */
export function nativeEnum(v: unknown, entries: ReadonlyArray<readonly [string, number]>, site: string): number {
  for (const [k, n] of entries) if (v === n || v === k) return n;
  throw invalidArgValue(
    `${site} must be a member of the enum: ${entries.map(([k, n]) => `${k} (${n})`).join(", ")}. Received ${describeReceived(v)}`,
  );
}

/** Dictionaries take an object, `undefined` or `null` (WebIDL); anything else throws. */
export function notDictionary(v: unknown, site: string): never {
  throw invalidArgType(`${site} must be an object (a dictionary). Received ${describeReceived(v)}`);
}

/** A `.required` dictionary member was `undefined`. */
export function missingMember(site: string): never {
  throw withCode(new TypeError(`${site} is required`), "ERR_MISSING_OPTION");
}

/** What a dictionary argument given as `undefined` or `null` reads its members from. */
export const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** Fewer arguments than the signature requires. */
export function missingArgs(fnName: string, required: number, received: number, names: readonly string[]): never {
  const missing = names[received] ?? "?";
  throw withCode(
    new TypeError(
      `${fnName}(): argument ${received + 1} (${missing}) is missing: expected at least ${required} argument${required === 1 ? "" : "s"}, received ${received}`,
    ),
    "ERR_MISSING_ARGS",
  );
}

/** No variant of an overloaded function accepts these arguments. */
export function noVariant(fnName: string, args: ArrayLike<unknown>, expected: readonly string[]): never {
  const got = Array.from(args, (a) => describeReceived(a)).join(", ");
  throw invalidArgType(`${fnName}(): no variant accepts (${got}). Expected one of: ${expected.join("; ")}`);
}

/** No member of a oneOf accepts the value. */
export function noUnionMember(v: unknown, expected: string, site: string): never {
  throw invalidArgType(`${site} must be ${expected}. Received ${describeReceived(v)}`);
}

/** A 64-bit return value as a bigint. */
export function toBigInt(r: unknown): bigint {
  return typeof r === "bigint" ? r : BigIntCtor(r as number);
}

/** Maps a returned enum index to its string; an index C invented throws. */
export function enumName(r: number, values: readonly string[], site: string): string {
  const s = values[r];
  if (s === undefined) throw invalidReturn(r, site);
  return s;
}

/** Checks a returned native enum value. */
export function enumValue(r: number, entries: ReadonlyArray<readonly [string, number]>, site: string): number {
  for (const [, n] of entries) if (n === r) return r;
  throw invalidReturn(r, site);
}

function invalidReturn(r: number, site: string): FFIError {
  return new FFIError("ERR_FFI_INVALID_RETURN", `${site}: C returned ${r}, which is not a value of the enum`);
}

/** Lone surrogates replaced by U+FFFD (String.prototype.toWellFormed); `null` passes through. */
export function wellFormed<S extends string | null>(s: S): S {
  return (s === null ? s : (s as unknown as { toWellFormed(): string }).toWellFormed()) as S;
}
