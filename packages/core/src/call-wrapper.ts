/**
 * The JavaScript side of one native function: the wrapper that converts arguments, calls koffi's function and
 * converts the result, generated once per declaration by the code generator ({@link compileUnit}).
 */
import { FFIType } from "./ffi-type.js";
import { compileUnit, identifierFor, mergeBindings, type Bindings, type Unit } from "./codegen.js";
import { conversionMayRunUserCode, planArgument, planReturn } from "./conversion-codegen.js";
import { callbackActivity } from "./callback-activity.js";
import { generatedGlobals } from "./globals.js";
import { startStackAt } from "./errors.js";
import type { Guard } from "./library-handle.js";
import type { Signature } from "./signature.js";
import { viewArgumentAddress } from "./pointer.js";
import { engineState, fastArgumentCheck, fastEngineLoaded, fastEngineName, fastReturnSlot, fastShape, type FastTarget } from "./fast-engine.js";

/** The compiled JS side of one native function: the wrapper, its source, and the guarded raw function. */
export interface CompiledCall {
  readonly fn: (...args: unknown[]) => unknown;
  readonly native: (...args: unknown[]) => unknown;
  readonly source: string;
}


/** Whether an argument of `type` can be passed as a view (whose buffer user code could detach later). */
export function takesView(type: number): boolean {
  return type === FFIType.ptr || type === FFIType.cstring || type === FFIType.buffer;
}

function argumentList(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `a${i}`);
}

/**
 * The unit of a wrapper: its text (what `.source` and `viewSource` show) and bindings. `raw` and `guard` may be
 * placeholders when only the text is wanted.
 *
 * The guard is checked first (a call after `close()` fails before converting anything). When a conversion can run
 * user code (a getter of a view, CString or JSCallback may close the library), it is checked again after the
 * conversions, right before the call: signatures of numbers only pay nothing for that.
 */
export function wrapperUnit(
  library: string,
  symbol: string,
  site: string,
  sig: Signature,
  raw: unknown,
  guard: Guard | null,
  entry: Entry = { fn: undefined },
  fast?: FastTarget,
): Unit {
  const params = argumentList(sig.args.length);
  const plans = sig.args.map((t, i) => restacked(planArgument(t, `${site}: argument ${i + 1}`, `a${i}`, `S${i}`), `S${i}`, entry));
  const koffiRet = planReturn(sig.returns, "r");
  // A 64-bit result the entry gives as a double: NaN when it is not a safe integer, whose value is then in the
  // slot L (koffi never returns NaN for an integer type).
  const ret = fast?.slot !== undefined ? { ...koffiRet, expression: `(r !== r ? L[0] : ${koffiRet.expression})` } : koffiRet;
  const engine = fast ? { X: fast.entry, T: fast.address, E: engineState, A: viewArgumentAddress, ...(fast.slot ? { L: fast.slot } : {}) } : {};
  const bindings = mergeBindings({ F: raw, G: guard, D: callbackActivity }, engine, ...plans.map((p) => p.bindings), ret.bindings, { $viewLength: generatedGlobals.$viewLength });
  const id = identifierFor(symbol, bindings);
  const recheck = sig.args.some(conversionMayRunUserCode);
  const assign = sig.returns === FFIType.void ? "" : "const r = ";
  // With the fast engine, its entry X (target address T) takes the converted values; koffi (F) takes the call
  // while a koffi callback is registered (C could call it, and a fast call must not run JS), or when a pointer
  // argument is neither an address nor a non-empty TypedArray (whose cached address A gives; -1 otherwise), or a
  // 64-bit integer argument converted to a BigInt (the entry takes safe integers, as doubles). The address is
  // taken after every conversion, right before the call: no user code runs between the two.
  const checks = sig.args.map((t) => (fast !== undefined ? fastArgumentCheck(t) : undefined));
  const addressed = checks.map((c) => c === "address");
  const numbers = checks
    .map((c, i) => (c === "address" ? ` && (p${i} = typeof c${i} === "number" ? c${i} : A(c${i})) >= 0` : c === "number" ? ` && typeof c${i} === "number"` : ""))
    .join("");
  const call = (args: string[]): string =>
    fast
      ? `E.callbacks === 0${numbers} ? X(${["T", ...args.map((a, i) => (addressed[i] ? `p${i}` : a))].join(", ")}) : F(${args.join(", ")})`
      : `F(${args.join(", ")})`;
  const addressVars = addressed.some((x) => x) ? `  let ${addressed.flatMap((yes, i) => (yes ? [`p${i}`] : [])).join(", ")};\n` : "";
  const converted = plans.map((_, i) => `c${i}`);
  let body: string;
  if (recheck) {
    // A view converted early can be detached by user code that a later conversion runs (a getter of a JSCallback
    // or CString): such views are measured again, through the built-in getter, once every conversion is done.
    const lastUserCode = sig.args.findLastIndex(conversionMayRunUserCode);
    const remeasured = sig.args.map((t, i) => i < lastUserCode && takesView(t));
    const conversions = plans.map((p, i) => `  ${remeasured[i] ? "let" : "const"} c${i} = ${p.expression};\n`).join("");
    const remeasure = remeasured
      .map((yes, i) => (yes ? `  if (typeof c${i} === "object" && c${i} !== null && !($viewLength(c${i}) > 0)) c${i} = S${i}(c${i});\n` : ""))
      .join("");
    body = `${conversions}${remeasure}  if (G.closed) G.fail();\n${addressVars}  ${assign}${call(converted)};\n`;
  } else if (fast) {
    body = `${plans.map((p, i) => `  const c${i} = ${p.expression};\n`).join("")}${addressVars}  ${assign}${call(converted)};\n`;
  } else {
    body = `  ${assign}${call(plans.map((p) => p.expression))};\n`;
  }
  // D.failed: a JS callback threw during the call (C got the zero value); its error is thrown now.
  body += "  if (D.failed) D.rethrow();\n";
  if (sig.returns !== FFIType.void) body += `  return ${ret.expression};\n`;
  const engineNote = fast
    ? // The entry's shape is part of the text: two wrappers of the same text (same library, symbol and conversions)
      // share V8's feedback, and a call site that has seen two entries (i64 and u64 returns of one symbol) no
      // longer takes the fast path.
      `  // engine: ${fastEngineName()} entry ${fast.shape}; koffi while a callback is open\n`
    : fastEngineLoaded()
      ? "  // engine: koffi (the fast engine does not take this signature)\n"
      : "";
  const text = `function ${id}(${params.join(", ")}) {\n${engineNote}  if (G.closed) G.fail();\n${body}}`;
  return { library, symbol, kind: "function", text, bindings };
}

/** The compiled wrapper, once there is one: where the stack of a conversion error starts. */
export interface Entry {
  fn: Function | undefined;
}

/**
 * The plan with its slow converter (bound as `slow`) wrapped so that an error it throws has a stack starting at
 * the user's call of the wrapper. Only the slow path pays the wrapper; the inline checks are unchanged.
 */
export function restacked<P extends { bindings: Bindings }>(plan: P, slow: string, entry: Entry): P {
  const convert = plan.bindings[slow] as ((v: unknown) => unknown) | undefined;
  if (typeof convert !== "function") return plan;
  const wrapped = (v: unknown): unknown => {
    try {
      return convert(v);
    } catch (e) {
      throw entry.fn === undefined ? e : startStackAt(e, entry.fn);
    }
  };
  return { ...plan, bindings: { ...plan.bindings, [slow]: wrapped } };
}

function nativeUnit(library: string, symbol: string, arity: number, raw: unknown, guard: Guard): Unit {
  const params = argumentList(arity).join(", ");
  const bindings: Bindings = { F: raw, G: guard, D: callbackActivity };
  const id = identifierFor(symbol, bindings);
  const text = `function ${id}(${params}) {\n  if (G.closed) G.fail();\n  const r = F(${params});\n  if (D.failed) D.rethrow();\n  return r;\n}`;
  return { library, symbol: `${symbol}.native`, kind: "function", text, bindings };
}

const placeholderGuard: Guard = { closed: false, fail: (): never => { throw new Error("not compiled"); } };

/** The source of the wrapper of `symbol` (what `viewSource` shows; the same text the compiled wrapper has). */
export function wrapperSource(symbol: string, sig: Signature): string {
  const shape = fastShape(sig);
  const slot = shape === undefined ? undefined : fastReturnSlot(shape);
  const fast = shape === undefined ? undefined : slot === undefined ? { ...placeholderFast, shape } : { ...placeholderFast, shape, slot };
  return wrapperUnit("", symbol, `${symbol}()`, sig, null, placeholderGuard, undefined, fast).text;
}
const placeholderFast: FastTarget = { entry: () => undefined, address: 0, shape: "" };

/**
 * Compiles the wrapper for one native function. All per-declaration work (type resolution, conversion planning,
 * code generation) happens here, once; a call runs only the generated code.
 */
export function compileCall(
  library: string,
  symbol: string,
  sig: Signature,
  raw: (...args: unknown[]) => unknown,
  guard: Guard,
  fast?: FastTarget,
): CompiledCall {
  const entry: Entry = { fn: undefined };
  const unit = wrapperUnit(library, symbol, `${symbol}()`, sig, raw, guard, entry, fast);
  const fn = compileUnit<(...args: unknown[]) => unknown>(unit);
  entry.fn = fn;
  const native = compileUnit<(...args: unknown[]) => unknown>(nativeUnit(library, symbol, sig.args.length, raw, guard));
  if (fn.name !== symbol) Object.defineProperty(fn, "name", { value: symbol, configurable: true });
  if (native.name !== symbol) Object.defineProperty(native, "name", { value: symbol, configurable: true });
  return { fn, native, source: unit.text };
}
