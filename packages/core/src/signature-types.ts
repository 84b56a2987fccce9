/**
 * The types of declarations and of what they turn into: which JavaScript values each FFI type takes and gives
 * back, the callables of a library, the options of a JSCallback.
 */
import type { FFIType, FFITypeName, FFITypeOrString } from "./ffi-type.js";
import type { CString } from "./cstring.js";
import type { NativeHandle, Pointer, TypedArray } from "./pointer-types.js";

/** What each type accepts as a JavaScript argument. */
export interface FFITypeToArgsType {
  0: number;
  1: number;
  2: number;
  3: number;
  4: number;
  5: number;
  6: number;
  7: number | bigint;
  8: number | bigint;
  9: number;
  10: number;
  11: boolean;
  12: TypedArray | DataView | ArrayBufferLike | Pointer | number | bigint | CString | null | undefined;
  13: undefined;
  14: string | TypedArray | DataView | ArrayBufferLike | Pointer | number | bigint | CString | null | undefined;
  15: number | bigint;
  16: number | bigint;
  17: NativeHandle | Pointer | number | bigint | null;
  18: never;
  19: never;
  20: TypedArray | DataView | ArrayBufferLike;
}

/** What each type gives back to JavaScript. */
export interface FFITypeToReturnsType {
  0: number;
  1: number;
  2: number;
  3: number;
  4: number;
  5: number;
  6: number;
  7: bigint;
  8: bigint;
  9: number;
  10: number;
  11: boolean;
  12: Pointer | bigint | null;
  13: undefined;
  14: CString | null;
  15: number | bigint;
  16: number | bigint;
  17: Pointer | bigint | null;
  18: never;
  19: never;
  20: never;
}

/** The number of a type given by name or number. */
export type TypeNumber<T> = T extends FFITypeName
  ? (typeof FFIType)[T]
  : T extends number
    ? T
    : never;

/** The JavaScript type accepted for an argument of FFI type `T`. */
export type ArgType<T> = TypeNumber<T> extends keyof FFITypeToArgsType ? FFITypeToArgsType[TypeNumber<T>] : never;
/** The JavaScript type returned for FFI type `T`. */
export type ReturnsType<T> = TypeNumber<T> extends keyof FFITypeToReturnsType
  ? FFITypeToReturnsType[TypeNumber<T>]
  : never;

/** One function's declaration, as given to `dlopen`, `CFunction` or `linkSymbols`. */
export interface FFIFunction {
  /** The argument types; a last `"..."` makes the function variadic: (type, value) pairs follow the fixed arguments. */
  readonly args?: readonly (FFITypeOrString | "...")[];
  readonly returns?: FFITypeOrString;
  /** Raw address of the function (`CFunction`, `linkSymbols`). */
  readonly ptr?: Pointer | number | bigint;
  /** Accepted for compatibility with bun:ffi; every symbol is callable from any thread through koffi. */
  readonly threadsafe?: boolean;
  /** The symbol returns a Promise; the call runs on libuv's thread pool, the JS thread goes on (see README). */
  readonly nonblocking?: boolean;
  /** With `nonblocking`: the symbol's calls run one at a time, in the order they were made. */
  readonly ordered?: boolean;
}

type MapArgs<A> = { -readonly [K in keyof A]: ArgType<A[K]> };

/**
 * The variadic part of a call: (type, value) pairs, flattened (`"i32", 42, "cstring", "hi"`). Each value is
 * checked at run time against the type before it.
 */
export type VariadicArgs = Array<FFITypeOrString | ArgType<FFITypeOrString> | string>;

/** The JavaScript arguments of a declaration's `args`: fixed ones by type, then pairs if the list ends in `"..."`. */
export type ArgsOf<A> = [A] extends [readonly [...infer Fixed, "..."]]
  ? [...MapArgs<Fixed>, ...VariadicArgs]
  : [A] extends [readonly unknown[]]
    ? MapArgs<A>
    : [];

/** What a call of declaration F returns: the converted result, or a Promise of it for `nonblocking: true`. */
export type ResultOf<F extends FFIFunction> = F["nonblocking"] extends true
  ? Promise<F["returns"] extends FFITypeOrString ? ReturnsType<F["returns"]> : undefined>
  : F["returns"] extends FFITypeOrString
    ? ReturnsType<F["returns"]>
    : undefined;

/** The callable a declaration turns into. */
export type ConvertFn<F extends FFIFunction> = ((...args: ArgsOf<F["args"]>) => ResultOf<F>) & {
  /** The symbol's address. */
  readonly ptr: Pointer;
  /** The underlying koffi function (no conversion, guarded against calls after `close()`). */
  readonly native: (...args: unknown[]) => unknown;
  /** Generated source of the wrapper, as `viewSource` returns it. */
  readonly source: string;
};

/** Maps a declaration object to its callables. */
export type ConvertFns<Fns extends Record<string, FFIFunction>> = { [K in keyof Fns]: ConvertFn<Fns[K]> };

/** A loaded library: its callables and a way to unload it. */
export interface Library<Fns extends Record<string, FFIFunction>> {
  readonly symbols: ConvertFns<Fns>;
  /**
   * Unloads the library; later calls to its symbols throw `ERR_FFI_LIBRARY_CLOSED`. Idempotent. Nonblocking calls
   * already made still run and settle (the library is unloaded after the last); with `{ rejectPending: true }`, those
   * not started yet reject with `ERR_FFI_LIBRARY_CLOSED` instead.
   */
  close(options?: { readonly rejectPending?: boolean }): void;
  [Symbol.dispose](): void;
}

/** The options of a `JSCallback`. */
export interface JSCallbackOptions<A extends readonly FFITypeOrString[] = readonly FFITypeOrString[], R extends FFITypeOrString = FFITypeOrString> {
  readonly args?: A;
  readonly returns?: R;
  /** Callable from any thread (see README: without @ffi-kit/callbacks, koffi's blocking delivery is used). */
  readonly threadsafe?: boolean;
}

type CallbackArgs<A> = { -readonly [K in keyof A]: ReturnsType<A[K]> };

/**
 * The JavaScript function of a `JSCallback` declared with `args` A and `returns` R: it receives what C passes,
 * converted as return values are (`"i64"` a bigint, `"ptr"` a number or null, `"cstring"` a CString). Its result
 * is converted to R by the rules of arguments, which accept more than R's own type (a boolean for an `"i32"`), so
 * it is typed `unknown`.
 *
 * @example
 * const compare: JSCallbackFunction<["ptr", "ptr"], "i32"> = (a, b) => read.i32(a!) - read.i32(b!);
 */
export type JSCallbackFunction<A extends readonly FFITypeOrString[] = readonly FFITypeOrString[], R extends FFITypeOrString = FFITypeOrString> = (
  ...args: CallbackArgs<A>
) => [R] extends [unknown] ? unknown : never;
