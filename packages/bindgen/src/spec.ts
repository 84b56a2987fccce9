/**
 * The plain-data description behind every `t.*` type: what the planner, `bind()` and the code generator read.
 * A spec never holds functions, so the same spec can be compiled at run time or printed into generated code.
 */
import { FFIError } from "@ffi-kit/core";

/** Integer type names. */
export type IntName = "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "i64" | "u64";
/** String type names (WebIDL's three plus UTF-8). */
export type StringName = "DOMString" | "ByteString" | "USVString" | "UTF8String";
/** How an integer argument is converted. */
export type IntMode = "wrap" | "clamp" | "enforceRange" | "validateInt32" | "validateUint32" | "validateInteger";
/** How a float argument is converted. */
export type FloatMode = "plain" | "validateNumber" | "validateInteger";

/** An integer type and its conversion. `min`/`max` are set for every mode that has bounds. */
export interface IntSpec {
  readonly kind: "int";
  readonly name: IntName;
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly mode: IntMode;
  readonly min: number;
  readonly max: number;
  /** validateUint32(positive). */
  readonly positive?: boolean;
}
/** `f32` / `f64`. */
export interface FloatSpec {
  readonly kind: "float";
  readonly name: "f32" | "f64";
  readonly mode: FloatMode;
  readonly min?: number;
  readonly max?: number;
}
/** `t.bool` (WebIDL boolean: ToBoolean). */
export interface BoolSpec {
  readonly kind: "bool";
}
/** The string types. */
export interface StringSpec {
  readonly kind: "string";
  readonly name: StringName;
}
/** `t.stringEnum(...)`: C receives the index of the value. */
export interface StringEnumSpec {
  readonly kind: "stringEnum";
  readonly values: readonly string[];
}
/** `t.nativeEnum(E)`: C receives the member's integer value. */
export interface NativeEnumSpec {
  readonly kind: "nativeEnum";
  readonly entries: ReadonlyArray<readonly [string, number]>;
}
/** One member of a dictionary. */
export interface FieldSpec {
  readonly name: string;
  readonly type: TypeSpec;
  readonly presence: Presence;
}
/** `t.dictionary({...})`: a C struct with the members in declaration order. */
export interface DictionarySpec {
  readonly kind: "dictionary";
  readonly fields: readonly FieldSpec[];
  /** Passed to and returned from C as a pointer to the struct instead of the struct itself. */
  readonly byPointer: boolean;
}
/** `t.oneOf(...)`: a tagged union `struct { int32_t tag; union { ... } value; }`. */
export interface OneOfSpec {
  readonly kind: "oneOf";
  readonly members: readonly TypeSpec[];
}
/** `t.globalObject`: accepted in the schema, passes nothing to C and takes no JavaScript argument. */
export interface GlobalObjectSpec {
  readonly kind: "globalObject";
}
/** `t.void`: only as a return type. */
export interface VoidSpec {
  readonly kind: "void";
}

/** Every type. */
export type TypeSpec =
  | IntSpec
  | FloatSpec
  | BoolSpec
  | StringSpec
  | StringEnumSpec
  | NativeEnumSpec
  | DictionarySpec
  | OneOfSpec
  | GlobalObjectSpec
  | VoidSpec;

/** Whether and how a value may be absent. */
export type Presence =
  | { readonly kind: "none" }
  | { readonly kind: "optional" }
  | { readonly kind: "required" }
  | { readonly kind: "default"; readonly value: unknown };

/** An error in a schema, thrown when it is declared or bound (never per call). */
export function schemaError(message: string): FFIError {
  return new FFIError("ERR_FFI_INVALID_SCHEMA", message);
}

/** The WebIDL bounds of an integer type: 64-bit types are limited to the safe integers, as in WebIDL. */
export function intBounds(name: IntName): { bits: 8 | 16 | 32 | 64; signed: boolean; min: number; max: number } {
  switch (name) {
    case "i8":
      return { bits: 8, signed: true, min: -128, max: 127 };
    case "u8":
      return { bits: 8, signed: false, min: 0, max: 255 };
    case "i16":
      return { bits: 16, signed: true, min: -32768, max: 32767 };
    case "u16":
      return { bits: 16, signed: false, min: 0, max: 65535 };
    case "i32":
      return { bits: 32, signed: true, min: -2147483648, max: 2147483647 };
    case "u32":
      return { bits: 32, signed: false, min: 0, max: 4294967295 };
    case "i64":
      return { bits: 64, signed: true, min: -9007199254740991, max: 9007199254740991 };
    case "u64":
      return { bits: 64, signed: false, min: 0, max: 9007199254740991 };
  }
}

/** A short human name of a type, for messages and docs: `i32`, `u16 (clamp 0..10)`, `dictionary`. */
export function describeSpec(spec: TypeSpec): string {
  switch (spec.kind) {
    case "int":
    case "float":
    case "string":
      return spec.name;
    case "bool":
      return "bool";
    case "stringEnum":
      return spec.values.map((v) => JSON.stringify(v)).join(" | ");
    case "nativeEnum":
      return `enum (${spec.entries.map(([k]) => k).join(", ")})`;
    case "dictionary":
      return "dictionary";
    case "oneOf":
      return spec.members.map(describeSpec).join(" | ");
    case "globalObject":
      return "globalObject";
    case "void":
      return "void";
  }
}

/** The JavaScript category a value must have to select a variant or a oneOf member without conversion. */
export type Category = "number" | "bigint" | "string" | "boolean" | "object";

/** The categories a type accepts without conversion (used to choose variants and oneOf members). */
export function categories(spec: TypeSpec): Category[] {
  switch (spec.kind) {
    case "int":
      return spec.bits === 64 && !spec.mode.startsWith("validate") ? ["number", "bigint"] : ["number"];
    case "float":
    case "nativeEnum":
      return ["number"];
    case "bool":
      return ["boolean"];
    case "string":
    case "stringEnum":
      return ["string"];
    case "dictionary":
      return ["object"];
    case "oneOf":
      return [...new Set(spec.members.flatMap(categories))];
    case "globalObject":
    case "void":
      return [];
  }
}

/** How deeply dictionaries and unions may nest (a deeper schema is refused when declared, with a coded error). */
export const MAX_NESTING = 64;
/** The largest struct a dictionary may describe, in bytes (koffi refuses types above 128 MiB; C stacks are smaller). */
export const MAX_STRUCT_SIZE = 16 * 1024 * 1024;

/** Size, alignment and nesting depth of a type as C lays it out. */
export interface Layout {
  readonly size: number;
  readonly align: number;
  readonly depth: number;
}

// Filled by t.dictionary() and t.oneOf() for the member arrays they create: a spec whose members are not in here
// was not made by this package's `t` and is refused.
const layouts = new WeakMap<object, Layout>();

/** Records the layout of a dictionary's `fields` or a union's `members` array (t.ts only). */
export function recordLayout(key: object, layout: Layout): void {
  layouts.set(key, layout);
}

const POINTER_SIZE = 8;

/** The C layout of `spec`, from what `t` recorded; a made-up composite spec throws `ERR_FFI_INVALID_SCHEMA`. */
export function layoutOf(spec: TypeSpec): Layout {
  switch (spec.kind) {
    case "int":
      return { size: spec.bits / 8, align: spec.bits / 8, depth: 0 };
    case "float":
      return spec.name === "f32" ? { size: 4, align: 4, depth: 0 } : { size: 8, align: 8, depth: 0 };
    case "bool":
      return { size: 1, align: 1, depth: 0 };
    case "string":
      return { size: POINTER_SIZE, align: POINTER_SIZE, depth: 0 };
    case "stringEnum":
    case "nativeEnum":
      return { size: 4, align: 4, depth: 0 };
    case "dictionary":
    case "oneOf": {
      const l = layouts.get(spec.kind === "dictionary" ? spec.fields : spec.members);
      if (l === undefined) throw schemaError(`a ${spec.kind} spec that t.${spec.kind}() did not create is not a schema type`);
      if (spec.kind === "dictionary" && spec.byPointer) return { size: POINTER_SIZE, align: POINTER_SIZE, depth: l.depth };
      return l;
    }
    case "globalObject":
    case "void":
      return { size: 0, align: 1, depth: 0 };
  }
}

/** Rounds `n` up to a multiple of `align`. */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
