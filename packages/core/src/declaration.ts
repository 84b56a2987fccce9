import { FFIType, resolveType, typeNames } from "./ffi-type.js";
import { FFIError, describeReceived, invalidArgType } from "./errors.js";
import { generatedCodeBuiltins, koffiArgType, koffiReturnType, planArgument, returnExpression, type SlowConverter } from "./conversion.js";
import { CString } from "./cstring.js";
import { callbackActivity } from "./callback-activity.js";

/** A function signature with every type resolved to its number. */
export interface Signature {
  readonly args: readonly number[];
  readonly returns: number;
}

/** Reads and validates `{ args, returns }` once, at declaration time. */
export function resolveSignature(declaration: unknown, site: string, isCallback = false): Signature {
  if (declaration === null || typeof declaration !== "object") {
    throw invalidArgType(`${site}: the declaration must be an object like { args: [...], returns: "i32" }. Received ${describeReceived(declaration)}`);
  }
  const { args = [], returns } = declaration as { args?: unknown; returns?: unknown };
  if (!Array.isArray(args)) {
    throw invalidArgType(`${site}: args must be an array of types. Received ${describeReceived(args)}`);
  }
  const argTypes = args.map((t: unknown, i: number) => {
    const n = resolveType(t, `${site}, argument ${i + 1}`);
    if (n === FFIType.void) throw invalidArgType(`${site}: argument ${i + 1} cannot be of type 'void'`);
    if (n === FFIType.buffer && isCallback) throw unsupported(site, n, "as a callback argument");
    if (n === FFIType.napi_env || n === FFIType.napi_value) throw unsupported(site, n, "on Node (koffi cannot pass N-API handles)");
    return n;
  });
  let ret: number;
  try {
    ret = resolveType(returns, `${site}, return type`);
  } catch (e) {
    // Bun's wording for this case, which its users and tests match on.
    if (e instanceof TypeError) e.message = e.message.replace(/^Unknown type/, "Unknown return type");
    throw e;
  }
  // Bun's wordings ("Cannot return ... to JavaScript") lead these messages.
  if (ret === FFIType.napi_env || ret === FFIType.napi_value) {
    throw unsupported(site, ret, `on Node (koffi cannot pass N-API handles): Cannot return ${typeNames[ret]} to JavaScript`);
  }
  if (ret === FFIType.buffer) {
    throw unsupported(site, ret, "as a return type: Cannot return a buffer to JavaScript (since byteLength and byteOffset are unknown); declare 'ptr' and use toBuffer");
  }
  return Object.freeze({ args: Object.freeze(argTypes), returns: ret });
}

function unsupported(site: string, type: number, why: string): FFIError {
  return new FFIError("ERR_FFI_UNSUPPORTED_TYPE", `${site}: type '${typeNames[type]}' is not supported ${why}`);
}

/** koffi's argument and return type names for a signature called from JS into C. */
export function koffiTypesForCall(sig: Signature): { ret: string; args: string[] } {
  return { ret: koffiReturnType[sig.returns]!, args: sig.args.map((t) => koffiArgType[t]!) };
}

/** koffi's types for a callback (C calls JS): arguments arrive like returns, the return goes out like an argument. */
export function koffiTypesForCallback(sig: Signature): { ret: string; args: string[] } {
  return { ret: koffiArgType[sig.returns]!, args: sig.args.map((t) => koffiReturnType[t]!) };
}

/** Something whose calls must stop: a closed library or function. Checked by every generated wrapper. */
export interface Guard {
  closed: boolean;
  fail(): never;
}

/** The compiled JS side of one native function: the wrapper, its source, and the guarded raw function. */
export interface CompiledCall {
  readonly fn: (...args: unknown[]) => unknown;
  readonly native: (...args: unknown[]) => unknown;
  readonly source: string;
}

function identifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[A-Za-z_$]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function argumentList(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `a${i}`);
}

/** The JS source of a wrapper that converts arguments, calls `F`, and converts the result. */
export function wrapperSource(name: string, sig: Signature): string {
  const params = argumentList(sig.args.length);
  const converted = sig.args.map((t, i) => planArgument(t, "").fast(`a${i}`, `S${i}`));
  const call = `F(${converted.join(", ")})`;
  // D.failed: a JS callback threw during the call (C got the zero value); its error is thrown now.
  const body =
    sig.returns === FFIType.void
      ? `  ${call};\n  if (D.failed) D.rethrow();\n`
      : `  const r = ${call};\n  if (D.failed) D.rethrow();\n  return ${returnExpression(sig.returns, "r", "CString")};\n`;
  return `function ${identifier(name)}(${params.join(", ")}) {\n  if (G.closed) G.fail();\n${body}}`;
}

/**
 * Compiles the wrapper for one native function. All per-declaration work (type resolution, conversion planning,
 * code generation) happens here, once; a call runs only the generated code.
 */
export function compileCall(name: string, sig: Signature, raw: (...args: unknown[]) => unknown, guard: Guard): CompiledCall {
  const slow: SlowConverter[] = sig.args.map((t, i) => planArgument(t, `${name}(): argument ${i + 1}`).slow ?? ((v) => v));
  const source = wrapperSource(name, sig);
  const slowNames = slow.map((_, i) => `S${i}`);
  const builtins = Object.keys(generatedCodeBuiltins);
  const fn = new Function("F", "G", "D", "CString", ...builtins, ...slowNames, `"use strict";\nreturn ${source};`)(
    raw,
    guard,
    callbackActivity,
    CString,
    ...Object.values(generatedCodeBuiltins),
    ...slow,
  );
  const params = argumentList(sig.args.length).join(", ");
  const native = new Function(
    "F",
    "G",
    "D",
    `"use strict";\nreturn function ${identifier(name)}(${params}) {\n  if (G.closed) G.fail();\n  const r = F(${params});\n  if (D.failed) D.rethrow();\n  return r;\n};`,
  )(raw, guard, callbackActivity);
  if (fn.name !== name) Object.defineProperty(fn, "name", { value: name });
  return { fn, native, source };
}
