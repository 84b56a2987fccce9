/**
 * `t`: the types of the schema language, with their attributes. Types are immutable: every attribute returns a
 * new type. `.optional`, `.default(v)` and `.required` come last and only one of them: what they return has no
 * further attributes.
 */
import {
  alignUp,
  categories,
  intBounds,
  layoutOf,
  MAX_NESTING,
  MAX_STRUCT_SIZE,
  recordLayout,
  schemaError,
  type DictionarySpec,
  type FieldSpec,
  type FloatSpec,
  type IntName,
  type IntSpec,
  type Presence,
  type StringName,
  type TypeSpec,
} from "./spec.js";

// The types this copy of the package made. A look-alike object (a public brand, a made-up spec) is not a type:
// only what `t` built, with specs it validated and froze, reaches the planner and the generated code.
const realTypes = new WeakSet<object>();

/** How a type may be absent: chosen by `.optional`, `.default(v)` or `.required`. */
export type PresenceKind = "none" | "optional" | "default" | "required";

/**
 * A schema type: `In` is what JavaScript passes, `Out` what a C return becomes, `P` how it may be absent.
 * A type with `.optional`, `.default(v)` or `.required` applied is a `FinalType`: no attribute can follow.
 */
export class FinalType<In, Out, P extends PresenceKind = PresenceKind> {
  /** @internal type-level only */
  declare readonly __in: In;
  /** @internal type-level only */
  declare readonly __out: Out;
  /** @internal type-level only */
  declare readonly __presence: P;
  /** The plain-data description of the type. */
  readonly spec: TypeSpec;
  /** How the value may be absent. */
  readonly presence: Presence;
  /** @internal */
  constructor(spec: TypeSpec, presence: Presence) {
    // Specs are immutable: every nested array and member object is frozen where it is made, and so is this level.
    this.spec = Object.isFrozen(spec) ? spec : Object.freeze(spec);
    this.presence = Object.freeze(presence);
    Object.freeze(this);
    realTypes.add(this);
  }
}

// Attributes after a final one fail with a clear message rather than "is not a function".
for (const name of ["optional", "required"]) {
  Object.defineProperty(FinalType.prototype, name, {
    get(this: FinalType<unknown, unknown>) {
      throw schemaError(`.${name} must be the last attribute, and only one of .optional, .default() and .required may be applied`);
    },
  });
}
for (const name of ["default", "clamp", "enforceRange", "validateInt32", "validateUint32", "validateNumber", "validateInteger", "byPointer"]) {
  Object.defineProperty(FinalType.prototype, name, {
    value(this: FinalType<unknown, unknown>) {
      throw schemaError(`.${name}() cannot follow .optional, .default() or .required: those must be applied last`);
    },
  });
}

/** Whether `value` is a schema type made by `t` (objects that only look like one are not). */
export function isType(value: unknown): value is FinalType<unknown, unknown> {
  return typeof value === "object" && value !== null && realTypes.has(value);
}

/** A type that can still take `.optional`, `.default(v)` or `.required`. */
export class Type<In, Out> extends FinalType<In, Out, "none"> {
  /** @internal */
  constructor(spec: TypeSpec) {
    super(spec, { kind: "none" });
  }
  /** In function arguments only: may be omitted, `undefined` or `null`; C then receives zero (0, false, NULL). */
  get optional(): FinalType<In, Out, "optional"> {
    return new FinalType(this.spec, { kind: "optional" });
  }
  /** In dictionaries only: the member must be present (not `undefined`). */
  get required(): FinalType<In, Out, "required"> {
    return new FinalType(this.spec, { kind: "required" });
  }
  /** Used when the argument or member is `undefined` or omitted. The value is converted (and checked) once, when bound. */
  default(value: In): FinalType<In, Out, "default"> {
    return new FinalType(this.spec, { kind: "default", value });
  }
}

function checkBound(value: unknown, what: string, lo: number, hi: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw schemaError(`${what} must be an integer. Received ${String(value)}`);
  }
  if (value < lo || value > hi) throw schemaError(`${what} must be within the type's range [${lo}, ${hi}]. Received ${value}`);
  return value;
}

/** The JavaScript type of an integer argument: 64-bit integers also take bigints. */
export type IntIn<N extends IntName> = N extends "i64" | "u64" ? number | bigint : number;
/** What a C integer return becomes: 64-bit integers are bigints. */
export type IntOut<N extends IntName> = N extends "i64" | "u64" ? bigint : number;

/**
 * An integer type. Without attributes the value goes through WebIDL's ToNumber and wraps modulo 2^bits.
 *
 * @example
 * t.i32.enforceRange(0, 1000).default(5)
 */
export class IntType<N extends IntName> extends Type<IntIn<N>, IntOut<N>> {
  declare readonly spec: IntSpec;
  /** @internal type-level only: which integer type this is */
  declare readonly __name: N;
  /** @internal */
  constructor(spec: IntSpec) {
    super(spec);
  }
  private withMode(mode: IntSpec["mode"], min: number, max: number, extra: Partial<IntSpec> = {}): IntType<N> {
    if (this.spec.mode !== "wrap") {
      throw schemaError(`.${mode}() cannot be combined with .${this.spec.mode}(): choose one conversion per integer`);
    }
    if (min > max) throw schemaError(`.${mode}(): min (${min}) must not exceed max (${max})`);
    return new IntType<N>({ ...this.spec, mode, min, max, ...extra });
  }
  /** WebIDL [Clamp]: clamps to [min, max] (default: the type's range) and rounds half to even. NaN becomes 0. */
  clamp(min?: number, max?: number): IntType<N> {
    const b = intBounds(this.spec.name);
    return this.withMode("clamp", checkBound(min ?? b.min, ".clamp() min", b.min, b.max), checkBound(max ?? b.max, ".clamp() max", b.min, b.max));
  }
  /** WebIDL [EnforceRange]: throws a TypeError for non-finite values or values outside [min, max] after truncation. */
  enforceRange(min?: number, max?: number): IntType<N> {
    const b = intBounds(this.spec.name);
    return this.withMode(
      "enforceRange",
      checkBound(min ?? b.min, ".enforceRange() min", b.min, b.max),
      checkBound(max ?? b.max, ".enforceRange() max", b.min, b.max),
    );
  }
  /** Node's `validateInt32(value, name, min, max)`: only integers of type number; Node's errors. `t.i32` only. */
  validateInt32(this: IntType<"i32">, min?: number, max?: number): IntType<"i32"> {
    if (this.spec.name !== "i32") throw schemaError(`.validateInt32() applies to t.i32, not t.${this.spec.name}`);
    return this.withMode("validateInt32", checkBound(min ?? -2147483648, ".validateInt32() min", -2147483648, 2147483647), checkBound(max ?? 2147483647, ".validateInt32() max", -2147483648, 2147483647));
  }
  /** Node's `validateUint32(value, name, positive)`: only integers of type number in [0 or 1, 2^32-1]. `t.u32` only. */
  validateUint32(this: IntType<"u32">, positive = false): IntType<"u32"> {
    if (this.spec.name !== "u32") throw schemaError(`.validateUint32() applies to t.u32, not t.${this.spec.name}`);
    return this.withMode("validateUint32", positive ? 1 : 0, 4294967295, { positive: positive === true });
  }
  /** Node's `validateInteger(value, name, min, max)` (default: the safe integers). `t.i64` only among integers. */
  validateInteger(this: IntType<"i64">, min?: number, max?: number): IntType<"i64"> {
    if (this.spec.name !== "i64") throw schemaError(`.validateInteger() applies to t.f64 and t.i64, not t.${this.spec.name}`);
    return this.withMode(
      "validateInteger",
      checkBound(min ?? Number.MIN_SAFE_INTEGER, ".validateInteger() min", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      checkBound(max ?? Number.MAX_SAFE_INTEGER, ".validateInteger() max", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    );
  }
}

/** `f32` / `f64`: WebIDL unrestricted float/double (ToNumber; NaN and infinities pass). */
export class FloatType<N extends "f32" | "f64"> extends Type<number, number> {
  declare readonly spec: FloatSpec;
  /** @internal type-level only: which float type this is */
  declare readonly __name: N;
  /** @internal */
  constructor(spec: FloatSpec) {
    super(spec);
  }
  /** Node's `validateNumber(value, name, min, max)`: only numbers; with a bound, NaN is out of range. `t.f64` only. */
  validateNumber(this: FloatType<"f64">, min?: number, max?: number): FloatType<"f64"> {
    this.check("validateNumber");
    for (const [what, b] of [["min", min], ["max", max]] as const) {
      if (b !== undefined && (typeof b !== "number" || b !== b)) throw schemaError(`.validateNumber() ${what} must be a number. Received ${String(b)}`);
    }
    if (min !== undefined && max !== undefined && min > max) throw schemaError(`.validateNumber(): min (${min}) must not exceed max (${max})`);
    return new FloatType<"f64">({ ...this.spec, mode: "validateNumber", ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
  }
  /** Node's `validateInteger(value, name, min, max)`: a number that is an integer in [min, max] (default: safe integers). */
  validateInteger(this: FloatType<"f64">, min?: number, max?: number): FloatType<"f64"> {
    this.check("validateInteger");
    const lo = checkBound(min ?? Number.MIN_SAFE_INTEGER, ".validateInteger() min", -Number.MAX_VALUE, Number.MAX_VALUE);
    const hi = checkBound(max ?? Number.MAX_SAFE_INTEGER, ".validateInteger() max", -Number.MAX_VALUE, Number.MAX_VALUE);
    if (lo > hi) throw schemaError(`.validateInteger(): min (${lo}) must not exceed max (${hi})`);
    return new FloatType<"f64">({ ...this.spec, mode: "validateInteger", min: lo, max: hi });
  }
  private check(mode: string): void {
    if (this.spec.name !== "f64") throw schemaError(`.${mode}() applies to t.f64, not t.${this.spec.name}`);
    if (this.spec.mode !== "plain") throw schemaError(`.${mode}() cannot be combined with .${this.spec.mode}()`);
  }
}

/** The JavaScript shape of a dictionary's members. */
export type DictionaryIn<F extends Record<string, FinalType<unknown, unknown>>> = {
  -readonly [K in keyof F as F[K] extends FinalType<unknown, unknown, "required"> ? K : never]: F[K]["__in"];
} & {
  -readonly [K in keyof F as F[K] extends FinalType<unknown, unknown, "required"> ? never : K]?: F[K]["__in"];
};
/** The plain object a returned struct becomes. */
export type DictionaryOut<F extends Record<string, FinalType<unknown, unknown>>> = { -readonly [K in keyof F]: F[K]["__out"] };

/** `t.dictionary({...})`: a JavaScript object passed to C as a struct (members in declaration order). */
export class DictionaryType<F extends Record<string, FinalType<unknown, unknown>>, Ptr extends boolean = false> extends Type<
  DictionaryIn<F> | null | undefined,
  Ptr extends true ? DictionaryOut<F> | null : DictionaryOut<F>
> {
  declare readonly spec: DictionarySpec;
  /** @internal */
  constructor(spec: DictionarySpec) {
    super(spec);
  }
  /** Passes the struct as a pointer (`const T *`), and reads a returned `T *` (NULL becomes `null`). */
  byPointer(): DictionaryType<F, true> {
    if (this.spec.byPointer) throw schemaError(".byPointer() was already applied");
    return new DictionaryType<F, true>({ ...this.spec, byPointer: true });
  }
}

const intType = <N extends IntName>(name: N): IntType<N> => {
  const b = intBounds(name);
  return new IntType<N>({ kind: "int", name, bits: b.bits, signed: b.signed, mode: "wrap", min: b.min, max: b.max });
};
const stringType = (name: StringName): Type<string, string | null> => new Type<string, string | null>({ kind: "string", name });

/** Type guard used by `fn` and `t.dictionary` for their members. */
export function assertType(value: unknown, where: string): FinalType<unknown, unknown> {
  if (!isType(value)) throw schemaError(`${where} must be a t.* type. Received ${value === null ? "null" : typeof value}`);
  return value;
}

/** An enum object as TypeScript emits it for `enum E { A, B = 5 }` (with the reverse mapping). */
export type EnumObject = Record<string, string | number>;

/**
 * The types of the schema language.
 *
 * @example
 * import { t, fn } from "@ffi-kit/bindgen";
 * export const add = fn({ args: { a: t.i32, b: t.i32.default(1) }, ret: t.i32 });
 */
export const t = Object.freeze({
  /** 8-bit signed integer. */
  i8: intType("i8"),
  /** 8-bit unsigned integer. */
  u8: intType("u8"),
  /** 16-bit signed integer. */
  i16: intType("i16"),
  /** 16-bit unsigned integer. */
  u16: intType("u16"),
  /** 32-bit signed integer. */
  i32: intType("i32"),
  /** 32-bit unsigned integer. */
  u32: intType("u32"),
  /** 64-bit signed integer (takes numbers and bigints; returns bigint). */
  i64: intType("i64"),
  /** 64-bit unsigned integer (takes numbers and bigints; returns bigint). */
  u64: intType("u64"),
  /** C `float` (WebIDL unrestricted float). */
  f32: new FloatType<"f32">({ kind: "float", name: "f32", mode: "plain" }),
  /** C `double` (WebIDL unrestricted double). */
  f64: new FloatType<"f64">({ kind: "float", name: "f64", mode: "plain" }),
  /** C `bool` (WebIDL boolean: any value, by truthiness). */
  bool: new Type<unknown, boolean>({ kind: "bool" }),
  /** WebIDL DOMString (ToString), reaching C as NUL-terminated UTF-8. The recommended string type. */
  DOMString: stringType("DOMString"),
  /** WebIDL ByteString: throws on code points above 0xFF; reaches C as NUL-terminated Latin-1 bytes. */
  ByteString: stringType("ByteString"),
  /** WebIDL USVString: lone surrogates become U+FFFD; reaches C as NUL-terminated UTF-8. */
  USVString: stringType("USVString"),
  /** DOMString conversion, reaching C as NUL-terminated UTF-8 (`const char *`). */
  UTF8String: stringType("UTF8String"),
  /** Accepted for compatibility with Bun's schemas: takes no JavaScript argument and passes nothing to C. */
  globalObject: new Type<never, never>({ kind: "globalObject" }),
  /** No value (return type only; the default when `ret` is omitted). */
  void: new Type<never, undefined>({ kind: "void" }),
  /**
   * A WebIDL enumeration of strings; C receives the index of the value (an `int32_t`).
   *
   * @example
   * export const Formatter = t.stringEnum("highlight-javascript", "escape-powershell");
   */
  stringEnum<const V extends readonly [string, ...string[]]>(...values: V): Type<V[number], V[number]> {
    if (values.length === 0) throw schemaError("t.stringEnum() needs at least one value");
    for (const v of values) if (typeof v !== "string") throw schemaError(`t.stringEnum() values must be strings. Received ${typeof v}`);
    if (new Set(values).size !== values.length) throw schemaError("t.stringEnum() values must be distinct");
    return new Type<V[number], V[number]>({ kind: "stringEnum", values: Object.freeze([...values]) });
  },
  /**
   * An enum derived from an existing TypeScript `enum` (or any object of integer values): JavaScript passes a member
   * value (`Color.Red`) or a member name (`"Red"`); C receives the integer (`int32_t`). Returns become member values.
   *
   * @example
   * enum Color { Red, Green = 5 }
   * export const color = t.nativeEnum(Color);
   */
  nativeEnum<const E extends EnumObject>(enumObject: E): Type<E[keyof E] | keyof E, Extract<E[keyof E], number>> {
    if (enumObject === null || typeof enumObject !== "object") throw schemaError("t.nativeEnum() takes an enum object");
    // TypeScript numeric enums carry a reverse mapping (0: "Red"): skip keys that are canonical numbers.
    const entries = Object.entries(enumObject).filter(([k]) => String(Number(k)) !== k);
    if (entries.length === 0) throw schemaError("t.nativeEnum() needs at least one member");
    for (const [k, v] of entries) {
      if (typeof v !== "number" || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw schemaError(`t.nativeEnum(): member ${k} must be an int32 integer (string enums: use t.stringEnum). Received ${String(v)}`);
      }
    }
    return new Type({ kind: "nativeEnum", entries: Object.freeze(entries.map(([k, v]) => Object.freeze([k, v as number] as const))) });
  },
  /**
   * A JavaScript object passed to C as a struct whose members are laid out in declaration order. Members are optional
   * unless `.required` (absent members reach C as zero) or `.default(v)`.
   *
   * @example
   * const Point = t.dictionary({ x: t.i32.required, y: t.i32.default(0) });
   */
  dictionary<const F extends Record<string, FinalType<unknown, unknown>>>(members: F): DictionaryType<F> {
    if (members === null || typeof members !== "object") throw schemaError("t.dictionary() takes an object of members");
    const fields: FieldSpec[] = Object.entries(members).map(([name, type]) => {
      const ty = assertType(type, `t.dictionary() member "${name}"`);
      if (ty.presence.kind === "optional") throw schemaError(`t.dictionary() member "${name}": .optional is for function arguments; members are optional unless .required`);
      checkMemberType(ty.spec, `t.dictionary() member "${name}"`);
      return Object.freeze({ name, type: ty.spec, presence: ty.presence });
    });
    if (fields.length === 0) throw schemaError("t.dictionary() needs at least one member");
    let offset = 0;
    let align = 1;
    let depth = 0;
    for (const f of fields) {
      const l = layoutOf(f.type);
      offset = alignUp(offset, l.align) + l.size;
      align = Math.max(align, l.align);
      depth = Math.max(depth, l.depth);
    }
    checkLayout("t.dictionary()", alignUp(offset, align), depth + 1);
    const frozen = Object.freeze(fields);
    recordLayout(frozen, { size: alignUp(offset, align), align, depth: depth + 1 });
    return new DictionaryType<F>({ kind: "dictionary", fields: frozen, byPointer: false });
  },
  /**
   * A union of types of different kinds (number, bigint, string, boolean, dictionary). C receives
   * `struct { int32_t tag; union { ... } value; }` where `tag` is the index of the chosen member.
   *
   * @example
   * t.oneOf(t.i32, t.DOMString)
   */
  oneOf<const M extends readonly FinalType<unknown, unknown, "none">[]>(...members: M): Type<M[number]["__in"], never> {
    if (members.length < 2) throw schemaError("t.oneOf() needs at least two member types");
    const seen = new Map<string, number>();
    const specs = members.map((m, i) => {
      const ty = assertType(m, `t.oneOf() member ${i + 1}`);
      if (ty.presence.kind !== "none") throw schemaError(`t.oneOf() member ${i + 1} cannot be .optional, .default() or .required`);
      if (ty.spec.kind === "oneOf" || ty.spec.kind === "globalObject" || ty.spec.kind === "void") {
        throw schemaError(`t.oneOf() member ${i + 1} cannot be ${ty.spec.kind}`);
      }
      if (ty.spec.kind === "dictionary" && ty.spec.byPointer) throw schemaError(`t.oneOf() member ${i + 1}: dictionaries in a oneOf are passed by value`);
      for (const c of categories(ty.spec)) {
        if (c === "bigint" && ty.spec.kind === "int") continue; // numbers decide; bigints go to the first 64-bit member
        const prev = seen.get(c);
        if (prev !== undefined) throw schemaError(`t.oneOf(): members ${prev + 1} and ${i + 1} both take a ${c}: members must be distinguishable`);
        seen.set(c, i);
      }
      return ty.spec;
    });
    let size = 0;
    let align = 4;
    let depth = 0;
    for (const m of specs) {
      const l = layoutOf(m);
      size = Math.max(size, l.size);
      align = Math.max(align, l.align);
      depth = Math.max(depth, l.depth);
    }
    const total = alignUp(alignUp(4, align) + alignUp(size, align), align);
    checkLayout("t.oneOf()", total, depth + 1);
    const frozen = Object.freeze(specs);
    recordLayout(frozen, { size: total, align, depth: depth + 1 });
    return new Type({ kind: "oneOf", members: frozen });
  },
});

function checkLayout(where: string, size: number, depth: number): void {
  if (depth > MAX_NESTING) throw schemaError(`${where}: dictionaries and unions nest ${depth} deep; at most ${MAX_NESTING} levels are supported`);
  if (size > MAX_STRUCT_SIZE) throw schemaError(`${where}: the struct would be ${size} bytes; at most ${MAX_STRUCT_SIZE} bytes (16 MiB) are supported`);
}

function checkMemberType(spec: TypeSpec, where: string): void {
  if (spec.kind === "globalObject" || spec.kind === "void") throw schemaError(`${where} cannot be ${spec.kind}`);
  if (spec.kind === "dictionary" && spec.byPointer) throw schemaError(`${where}: nested dictionaries are embedded by value; .byPointer() is for arguments and returns`);
}
