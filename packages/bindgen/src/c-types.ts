/**
 * The C side of each schema type: the koffi type it crosses the boundary as, both as a value (for `bind()`) and
 * as source code (for generated modules). Structs are created once per dictionary (koffi never frees types).
 */
import { pointerType as corePointerType, structType as coreStructType, unionType as coreUnionType, type NativeAggregate as KoffiType } from "@ffi-kit/core/internal";
import type { DictionarySpec, FieldSpec, OneOfSpec, TypeSpec } from "./spec.js";
import { schemaError } from "./spec.js";

/** A koffi type as a value and as the source of an expression that builds it. */
export interface CType {
  readonly value: string | KoffiType;
  readonly source: string;
}

const intNames = {
  i8: "int8_t",
  u8: "uint8_t",
  i16: "int16_t",
  u16: "uint16_t",
  i32: "int32_t",
  u32: "uint32_t",
  i64: "int64_t",
  u64: "uint64_t",
} as const;

const plain = (name: string): CType => ({ value: name, source: JSON.stringify(name) });

/**
 * What a struct crosses the boundary as. Arguments (`"arg"`) hold `const char *` strings koffi encodes; returns
 * (`"ret"`) hold string members as `uintptr_t`, so every pointer C hands back is checked before it is read.
 */
export type Direction = "arg" | "ret";

/** A koffi struct type (generated modules build theirs with this, through the runtime). */
export function structType(members: Record<string, string | KoffiType>): KoffiType {
  return coreStructType(members);
}
/** A koffi union type. */
export function unionType(members: Record<string, string | KoffiType>): KoffiType {
  return coreUnionType(members);
}
/** A koffi pointer type. */
export function pointerType(to: KoffiType): KoffiType {
  return corePointerType(to);
}

/** Names the constants that hold struct types in generated code; `bind()` uses one shared cache. */
export interface StructNamer {
  struct(spec: DictionarySpec | OneOfSpec, direction: Direction, build: () => CType): CType;
}

const structCache = { arg: new WeakMap<object, KoffiType>(), ret: new WeakMap<object, KoffiType>() };

/** The runtime namer: struct types cached per dictionary across every `bind()` call. */
export const runtimeStructs: StructNamer = {
  struct(spec, direction, build) {
    const key = spec.kind === "dictionary" ? spec.fields : spec.members;
    const cache = structCache[direction];
    let value = cache.get(key);
    const made = value === undefined ? build() : undefined;
    if (value === undefined) {
      value = made!.value as KoffiType;
      cache.set(key, value);
    }
    return { value, source: made?.source ?? "<cached struct>" };
  },
};

/** The name koffi knows member `i` of a struct by: never the schema's name, so any name is safe (even `__proto__`). */
export const fieldKey = (i: number): string => `f${i}`;

/** The koffi type of a value of `spec` stored in memory (argument, struct member or union member). */
export function storageType(spec: TypeSpec, namer: StructNamer, direction: Direction = "arg"): CType {
  switch (spec.kind) {
    case "int":
      return plain(intNames[spec.name]);
    case "float":
      return plain(spec.name === "f32" ? "float" : "double");
    case "bool":
      return plain("bool");
    case "string":
      return direction === "ret" ? plain("uintptr_t") : plain("const char *");
    case "stringEnum":
    case "nativeEnum":
      return plain("int32_t");
    case "dictionary": {
      const struct = namer.struct(spec, direction, () => structOf(spec.fields, namer, direction));
      if (!spec.byPointer) return struct;
      return { value: pointerType(struct.value as KoffiType), source: `R.pointerType(${struct.source})` };
    }
    case "oneOf":
      return namer.struct(spec, direction, () => {
        const members = spec.members.map((m) => storageType(m, namer, direction));
        const union = unionType(Object.fromEntries(members.map((m, i) => [`m${i}`, m.value])));
        const value = structType({ tag: "int32_t", value: union });
        const source = `R.structType({ tag: "int32_t", value: R.unionType({ ${members.map((m, i) => `m${i}: ${m.source}`).join(", ")} }) })`;
        return { value, source };
      });
    case "globalObject":
    case "void":
      throw schemaError(`${spec.kind} has no C storage`);
  }
}

function structOf(fields: readonly FieldSpec[], namer: StructNamer, direction: Direction): CType {
  const members = fields.map((f, i) => [fieldKey(i), storageType(f.type, namer, direction)] as const);
  const value = structType(Object.fromEntries(members.map(([n, c]) => [n, c.value])));
  const source = `R.structType({ ${members.map(([n, c]) => `${n}: ${c.source}`).join(", ")} })`;
  return { value, source };
}

/** The koffi type of an argument. */
export function argumentType(spec: TypeSpec, namer: StructNamer): CType {
  return storageType(spec, namer, "arg");
}

/** The koffi type a return value is declared with: pointers (strings, `.byPointer()`) as `uintptr_t`, checked when read. */
export function returnType(spec: TypeSpec, namer: StructNamer): CType {
  switch (spec.kind) {
    case "void":
      return plain("void");
    case "string":
      return plain("uintptr_t");
    case "dictionary":
      return spec.byPointer ? plain("uintptr_t") : storageType(spec, namer, "ret");
    default:
      return storageType(spec, namer, "ret");
  }
}

/** The struct type a `.byPointer()` return is read as. */
export function pointeeType(spec: DictionarySpec, namer: StructNamer): CType {
  return storageType({ ...spec, byPointer: false }, namer, "ret");
}
