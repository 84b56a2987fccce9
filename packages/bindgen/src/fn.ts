/**
 * `fn`: a function schema, with one signature (`args`, `ret`) or several `variants` (overloads).
 */
import { assertType, type FinalType } from "./t.js";
import { schemaError, type Presence, type TypeSpec } from "./spec.js";

// The function schemas fn() made: a look-alike object is not one.
const realSchemas = new WeakSet<object>();

/** One argument of a signature, as planned. */
export interface ArgSpec {
  readonly name: string;
  readonly type: TypeSpec;
  readonly presence: Presence;
}

/** One signature: the C symbol it calls, its arguments in declaration order, its return type. */
export interface SignatureSpec {
  /** The C symbol; `undefined` means "the name the function is bound under" (plus the variant number). */
  readonly symbol: string | undefined;
  readonly args: readonly ArgSpec[];
  readonly ret: TypeSpec;
}

/** The arguments of one signature: JavaScript parameter names to types. */
export type ArgsShape = Record<string, FinalType<unknown, unknown>>;

/** One signature as written in a schema. */
export interface SignatureInput<A extends ArgsShape = ArgsShape, R extends FinalType<unknown, unknown, "none"> = FinalType<unknown, unknown, "none">> {
  /** Arguments in order. Names are the JavaScript parameter names (and appear in error messages). */
  readonly args?: A;
  /** Return type; omitted means `void`. */
  readonly ret?: R;
  /** The C symbol to call. Default: the bound name (variants: the bound name plus 1, 2, ...). */
  readonly symbol?: string;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type LastOf<U> = UnionToIntersection<U extends unknown ? (x: U) => void : never> extends (x: infer L) => void ? L : never;
/** A tuple with one element per member of `U`, in no particular order (only its length is used). */
type Members<U, L = LastOf<U>> = [U] extends [never] ? [] : [...Members<Exclude<U, L>>, L];
type JsKeys<A> = { [K in keyof A]: [A[K] extends FinalType<infer In, unknown> ? In : never] extends [never] ? never : K }[keyof A];
type PresenceOf<T> = T extends FinalType<unknown, unknown, infer P> ? P : never;
type ArgIn<T> = T extends FinalType<infer In, unknown, infer P> ? (P extends "optional" ? In | null | undefined : P extends "default" ? In | undefined : In) : never;
type Fill<T extends unknown[], V> = { [I in keyof T]: V };

/**
 * The JavaScript parameters of a signature with arguments `A`: as many required parameters as the schema has
 * required arguments, then the optional ones. TypeScript does not keep the order of an object's keys (a key
 * seen anywhere earlier in the program sorts first), so each position takes the union of the argument types:
 * exact when the arguments share a type, never wrong about a valid call. Generated modules have exact positions.
 */
export type ParamsOf<A> = [
  ...Fill<Members<RequiredKeys<A>>, { [K in RequiredKeys<A>]: ArgIn<A[K]> }[RequiredKeys<A>]>,
  ...Partial<Fill<Members<OptionalKeys<A>>, { [K in OptionalKeys<A>]: ArgIn<A[K]> }[OptionalKeys<A>]>>,
];
type RequiredKeys<A> = { [K in JsKeys<A>]: PresenceOf<A[K]> extends "none" ? K : never }[JsKeys<A>];
type OptionalKeys<A> = { [K in JsKeys<A>]: PresenceOf<A[K]> extends "none" ? never : K }[JsKeys<A>];

/** A function schema created by {@link fn}. */
export class FunctionSchema<Ret = unknown, Params extends unknown[] = unknown[]> {
  /** @internal type-level only */
  declare readonly __ret: Ret;
  /** @internal type-level only */
  declare readonly __params: Params;
  /** The signatures, in declaration order (one unless `variants` was used). */
  readonly signatures: readonly SignatureSpec[];
  /** Whether the schema was declared with `variants`. */
  readonly overloaded: boolean;
  /** @internal */
  constructor(signatures: readonly SignatureSpec[], overloaded: boolean) {
    this.signatures = signatures;
    this.overloaded = overloaded;
    Object.freeze(this);
    realSchemas.add(this);
  }
}

/** Whether `value` is a function schema made by {@link fn} (objects that only look like one are not). */
export function isFunctionSchema(value: unknown): value is FunctionSchema {
  return typeof value === "object" && value !== null && realSchemas.has(value);
}

/** Checks a C symbol name: a non-empty string without NUL (C would see only the part before it). */
export function checkSymbol(symbol: unknown, where: string): string {
  if (typeof symbol !== "string" || symbol === "") throw schemaError(`${where}: symbol must be a non-empty string`);
  if (symbol.includes("\0")) throw schemaError(`${where}: symbol ${JSON.stringify(symbol)} contains a NUL character (C would look up only the part before it)`);
  return symbol;
}

function signature(input: SignatureInput, where: string): SignatureSpec {
  if (input === null || typeof input !== "object") throw schemaError(`${where} must be an object like { args: {...}, ret: t.i32 }`);
  const { args = {}, ret, symbol } = input;
  if (args === null || typeof args !== "object") throw schemaError(`${where}: args must be an object of t.* types`);
  if (symbol !== undefined) checkSymbol(symbol, where);
  let sawOptional: string | undefined;
  const specs: ArgSpec[] = Object.entries(args).map(([name, value]) => {
    const ty = assertType(value, `${where}: argument "${name}"`);
    const kind = ty.presence.kind;
    if (kind === "required") throw schemaError(`${where}: argument "${name}": .required is for dictionary members; arguments are required unless .optional or .default()`);
    if (ty.spec.kind === "void") throw schemaError(`${where}: argument "${name}" cannot be t.void`);
    if (ty.spec.kind !== "globalObject") {
      if (kind === "none" && sawOptional !== undefined) {
        throw schemaError(`${where}: required argument "${name}" cannot follow optional argument "${sawOptional}"`);
      }
      if (kind !== "none") sawOptional ??= name;
    } else if (kind !== "none") {
      throw schemaError(`${where}: argument "${name}": t.globalObject takes no attributes`);
    }
    return Object.freeze({ name, type: ty.spec, presence: ty.presence });
  });
  let retSpec: TypeSpec = Object.freeze({ kind: "void" });
  if (ret !== undefined) {
    const r = assertType(ret, `${where}: ret`);
    if (r.presence.kind !== "none") throw schemaError(`${where}: ret cannot be .optional, .default() or .required`);
    if (r.spec.kind === "oneOf" || r.spec.kind === "globalObject") throw schemaError(`${where}: ret cannot be ${r.spec.kind}`);
    retSpec = r.spec;
  }
  return Object.freeze({ symbol, args: Object.freeze(specs), ret: retSpec });
}

/**
 * Declares a native function: its arguments (in order) and return type, or several `variants` chosen from the
 * arguments at each call (see the README for the rule).
 *
 * @example
 * export const add = fn({ args: { global: t.globalObject, a: t.i32, b: t.i32.default(1) }, ret: t.i32 });
 * export const action = fn({ variants: [{ args: { a: t.i32 }, ret: t.i32 }, { args: { a: t.DOMString }, ret: t.DOMString }] });
 */
export function fn<const A extends ArgsShape = {}, R extends FinalType<unknown, unknown, "none"> = FinalType<never, undefined, "none">>(
  schema: SignatureInput<A, R>,
): FunctionSchema<R["__out"], ParamsOf<A>>;
export function fn<const V extends readonly SignatureInput[]>(schema: { readonly variants: V }): FunctionSchema<
  V[number] extends SignatureInput<ArgsShape, infer R> ? R["__out"] : unknown
>;
export function fn(schema: SignatureInput | { readonly variants: readonly SignatureInput[] }): FunctionSchema {
  if (schema === null || typeof schema !== "object") throw schemaError("fn() takes an object like { args: {...}, ret: t.i32 }");
  if ("variants" in schema) {
    const { variants } = schema;
    if (!Array.isArray(variants) || variants.length === 0) throw schemaError("fn(): variants must be a non-empty array of { args, ret }");
    if ("args" in schema || "ret" in schema) throw schemaError("fn(): give either variants or args/ret, not both");
    return new FunctionSchema(Object.freeze(variants.map((v, i) => signature(v as SignatureInput, `fn() variant ${i + 1}`))), true);
  }
  return new FunctionSchema(Object.freeze([signature(schema, "fn()")]), false);
}
