/**
 * Fuzzing from an @ffi-kit/bindgen function schema (`fn({ args: { a: t.u32 }, ret: t.i64 })`): the C signature
 * and the argument domains come from the schema, so inputs stay inside what the binding would let through
 * (bounded integers of `enforceRange`/`clamp`/validators, enum values, strings without NULs). Read structurally:
 * this package does not depend on @ffi-kit/bindgen.
 */
import fc from "fast-check";
import { FFIError, invalidArgType } from "./errors.js";
import type { TypeName } from "./type-names.js";

/** The parts of a bindgen type spec this package reads. */
export interface SchemaTypeSpec {
  readonly kind: string;
  readonly name?: string;
  readonly mode?: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly entries?: ReadonlyArray<readonly [string, number]>;
}

/** The parts of a bindgen `FunctionSchema` this package reads. */
export interface FunctionSchemaLike {
  readonly signatures: ReadonlyArray<{
    readonly symbol: string | undefined;
    readonly args: ReadonlyArray<{ readonly name: string; readonly type: SchemaTypeSpec }>;
    readonly ret: SchemaTypeSpec;
  }>;
}

/** A C signature with argument domains, derived from a schema. */
export interface SchemaSignature {
  readonly symbol: string | undefined;
  readonly args: TypeName[];
  readonly returns: TypeName;
  readonly names: string[];
  readonly arbitraries: Record<number, fc.Arbitrary<unknown>>;
}

function unsupported(where: string, kind: string): FFIError {
  return new FFIError(
    "ERR_FFI_UNSUPPORTED_TYPE",
    `${where}: bindgen type '${kind}' cannot be fuzzed yet (dictionaries and oneOf need struct generation); fuzz the scalar functions or pass args explicitly`,
  );
}

const INT_NAMES = new Set(["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64"]);

function ffiType(spec: SchemaTypeSpec, where: string): TypeName {
  switch (spec.kind) {
    case "int":
      if (spec.name !== undefined && INT_NAMES.has(spec.name)) return spec.name as TypeName;
      break;
    case "float":
      return spec.name === "f32" ? "f32" : "f64";
    case "bool":
      return "bool";
    case "string":
      return "cstring";
    case "stringEnum":
    case "nativeEnum":
      return "i32";
    case "void":
      return "void";
  }
  throw unsupported(where, spec.kind);
}

const utf8 = new TextEncoder();

function domain(spec: SchemaTypeSpec, type: TypeName): fc.Arbitrary<unknown> | undefined {
  switch (spec.kind) {
    case "int": {
      if (spec.mode === "wrap" || spec.min === undefined || spec.max === undefined) return undefined;
      // fast-check's integers are biased towards the bounds and shrink towards 0 (or the bound nearest to it).
      if (type === "i64" || type === "u64") return fc.bigInt({ min: BigInt(spec.min), max: BigInt(spec.max) });
      return fc.integer({ min: spec.min, max: spec.max });
    }
    case "float":
      if (spec.min === undefined && spec.max === undefined && spec.mode === "plain") return undefined;
      return fc.double({
        noNaN: spec.mode !== "plain",
        noDefaultInfinity: spec.mode !== "plain",
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.max !== undefined ? { max: spec.max } : {}),
      });
    case "string":
      // A C string: UTF-8, NUL-terminated, no NUL inside.
      return fc.string({ unit: "binary", maxLength: 48 }).map((s) => {
        const bytes = utf8.encode(s.replace(/\0/g, " "));
        const out = new Uint8Array(bytes.length + 1);
        out.set(bytes);
        return out;
      });
    case "stringEnum":
      return fc.integer({ min: 0, max: Math.max(0, (spec.values?.length ?? 1) - 1) });
    case "nativeEnum":
      return fc.constantFrom(...(spec.entries ?? [["", 0]]).map(([, v]) => v));
    default:
      return undefined; // the default arbitrary of the C type
  }
}

/**
 * The C signature and argument domains of a bindgen function schema (its first signature).
 *
 * @example
 * const sig = signatureFromSchema(fn({ args: { n: t.u32.enforceRange() }, ret: t.i32 }));
 * // { args: ["u32"], returns: "i32", arbitraries: { 0: integers 0…2^32 − 1 } ... }
 */
export function signatureFromSchema(schema: FunctionSchemaLike): SchemaSignature {
  const sig = schema?.signatures?.[0];
  if (sig === undefined || !Array.isArray(sig.args)) {
    throw invalidArgType("schema must be a bindgen function schema (fn({ args, ret }))");
  }
  const args: TypeName[] = [];
  const names: string[] = [];
  const arbitraries: Record<number, fc.Arbitrary<unknown>> = {};
  for (const arg of sig.args) {
    if (arg.type.kind === "globalObject") continue; // takes no C argument
    const type = ffiType(arg.type, `argument "${arg.name}"`);
    const arb = domain(arg.type, type);
    if (arb !== undefined) arbitraries[args.length] = arb;
    args.push(type);
    names.push(arg.name);
  }
  return { symbol: sig.symbol, args, returns: ffiType(sig.ret, "return type"), names, arbitraries };
}
