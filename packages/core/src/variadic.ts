/**
 * Variadic C functions (`printf`, `snprintf`, `open`, `fcntl`, `ioctl`...): a declaration whose `args` end with
 * `"..."` takes, after its fixed arguments, pairs of (type, value):
 *
 *     snprintf(buf, 64, "%d %s %.2f", "i32", 42, "cstring", "hi", "f64", 1.5)
 *
 * Each value is converted by the rules of its type (the same converters as fixed arguments), then C's default
 * argument promotions apply, as a C compiler applies them at a call through `...`: `f32` is rounded to single
 * precision and passed as a `double`; `bool`, `char`, `i8`, `u8`, `i16` and `u16` are passed as an `int`.
 *
 * Each distinct list of variadic types is planned once per declaration: the wrapper for it (conversions of the
 * fixed and the variadic arguments, the call, the result) is generated on the first call with that list and kept
 * in a bounded cache. The call goes through koffi's variadic path, which follows each platform's variadic ABI.
 */
import { FFIType, typeNames } from "./ffi-type.js";
import { compileUnit, identifierFor, mergeBindings, type Bindings, type Unit } from "./codegen.js";
import { conversionMayRunUserCode, planArgument, planReturn, type ArgumentPlan } from "./conversion-codegen.js";
import { callbackActivity } from "./callback-activity.js";
import { generatedGlobals } from "./globals.js";
import { FFIError, describeReceived, invalidArgValue, startStackAt } from "./errors.js";
import { MAX_PARAMETERS, type Signature } from "./signature.js";
import { restacked, takesView, type CompiledCall, type Entry } from "./call-wrapper.js";
import type { Guard } from "./library-handle.js";

/** The marker that ends the `args` of a variadic declaration. */
export const VARIADIC_MARKER = "...";

/** At most this many type lists are kept per declaration; the oldest is dropped to make room. */
export const VARIADIC_PLAN_CACHE_SIZE = 64;

const safeFround = Math.fround;
const fromCharCode = String.fromCharCode;

/** The type of each FFI type after C's default argument promotions (what the callee reads with `va_arg`). */
const promotedKoffiType: readonly (string | undefined)[] = Object.freeze([
  /* char */ "int",
  /* i8 */ "int",
  /* u8 */ "int",
  /* i16 */ "int",
  /* u16 */ "int",
  /* i32 */ "int32_t",
  /* u32 */ "uint32_t",
  /* i64 */ "int64_t",
  /* u64 */ "uint64_t",
  /* f64 */ "double",
  /* f32 */ "double",
  /* bool */ "int",
  /* ptr */ "void *",
  /* void */ undefined,
  /* cstring */ "void *",
  /* i64_fast */ "int64_t",
  /* u64_fast */ "uint64_t",
  /* function */ "void *",
  /* napi_env */ undefined,
  /* napi_value */ undefined,
  /* buffer */ "void *",
]);

const typeByName = new Map<string, number>(Object.entries(FFIType));

/** The type number a variadic type specifier names, or -1 (never runs user code: only strings and numbers count). */
function variadicTypeNumber(spec: unknown): number {
  if (typeof spec === "string") return typeByName.get(spec) ?? -1;
  if (typeof spec === "number" && spec >= 0 && spec < typeNames.length && spec === (spec | 0)) return spec;
  return -1;
}

/** Describes a bad type specifier without running user code (an object's `constructor` may be a getter or a trap). */
function describeSpecifier(spec: unknown): string {
  if (typeof spec === "object" && spec !== null) return "an object";
  if (typeof spec === "function") return "a function";
  return describeReceived(spec);
}

/** The plan of one variadic value: its conversion by its own type's rules, then the promotion. */
function planVariadic(type: number, site: string, input: string, slow: string): ArgumentPlan {
  const koffiType = promotedKoffiType[type]!;
  if (type === FFIType.bool) return { koffiType, expression: `(${input} ? 1 : 0)`, bindings: {} };
  const plan = planArgument(type, site, input, slow);
  if (type === FFIType.f32) return { koffiType, expression: `$fround(${plan.expression})`, bindings: { ...plan.bindings, $fround: safeFround } };
  return { ...plan, koffiType };
}


/**
 * The unit for one list of variadic types: `(a0..an-1, v)` converts the fixed arguments and the values of `v`
 * (the pairs), checks the guard, calls koffi with (type, value) pairs and converts the result.
 */
function planUnit(
  library: string,
  symbol: string,
  sig: Signature,
  types: readonly number[],
  raw: unknown,
  guard: Guard,
  entry: Entry,
): Unit {
  const fixed = sig.args.length;
  const site = `${symbol}()`;
  const plans: ArgumentPlan[] = sig.args.map((t, i) => restacked(planArgument(t, `${site}: argument ${i + 1}`, `a${i}`, `S${i}`), `S${i}`, entry));
  types.forEach((t, k) => {
    const i = fixed + k;
    const where = `${site}: variadic argument ${k + 1} (argument ${fixed + 2 * k + 2})`;
    plans.push(restacked(planVariadic(t, where, `v[${2 * k + 1}]`, `S${i}`), `S${i}`, entry));
  });
  const all = [...sig.args, ...types];
  const typeBindings: Record<string, unknown> = {};
  types.forEach((t, k) => (typeBindings[`T${fixed + k}`] = promotedKoffiType[t]));
  const ret = planReturn(sig.returns, "r");
  const bindings = mergeBindings(
    { F: raw, G: guard, D: callbackActivity, $viewLength: generatedGlobals.$viewLength },
    typeBindings,
    ...plans.map((p) => p.bindings),
    ret.bindings,
  );
  const id = identifierFor(`${symbol}_variadic`, bindings);
  // As in a fixed wrapper: a view converted before a conversion that can run user code is measured again.
  const lastUserCode = all.findLastIndex(conversionMayRunUserCode);
  const remeasured = all.map((t, i) => i < lastUserCode && takesView(t));
  let body = plans.map((p, i) => `  ${remeasured[i] ? "let" : "const"} c${i} = ${p.expression};\n`).join("");
  body += remeasured
    .map((yes, i) => (yes ? `  if (typeof c${i} === "object" && c${i} !== null && !($viewLength(c${i}) > 0)) c${i} = S${i}(c${i});\n` : ""))
    .join("");
  body += "  if (G.closed) G.fail();\n";
  const callArgs = all.map((_, i) => (i < fixed ? `c${i}` : `T${i}, c${i}`)).join(", ");
  body += `  ${sig.returns === FFIType.void ? "" : "const r = "}F(${callArgs});\n`;
  body += "  if (D.failed) D.rethrow();\n";
  if (sig.returns !== FFIType.void) body += `  return ${ret.expression};\n`;
  const params = [...sig.args.map((_, i) => `a${i}`), "v"].join(", ");
  return { library, symbol: `${symbol}.variadic`, kind: "function", text: `function ${id}(${params}) {\n${body}}`, bindings };
}

type PlannedCall = (...args: unknown[]) => unknown;

let plansCompiled = 0;
/** How many variadic plans have been compiled in this process (for tests: a cached type list compiles nothing). */
export function variadicPlansCompiled(): number {
  return plansCompiled;
}

/** The wrapper of a variadic declaration (what `.source` shows): finds the plan of the pairs given, and runs it. */
function wrapperUnit(library: string, symbol: string, sig: Signature, planFor: unknown, guard: Guard): Unit {
  const fixed = sig.args.map((_, i) => `a${i}`);
  const bindings: Bindings = { P: planFor, G: guard };
  const id = identifierFor(symbol, bindings);
  const text =
    `function ${id}(${[...fixed, "...v"].join(", ")}) {\n` +
    "  if (G.closed) G.fail();\n" +
    `  return P(v)(${[...fixed, "v"].join(", ")});\n` +
    "}";
  return { library, symbol, kind: "function", text, bindings };
}

/**
 * Compiles the wrapper of a variadic declaration (`sig.variadic`); `raw` is koffi's variadic function. The wrapper
 * takes the fixed arguments, then (type, value) pairs.
 */
export function compileVariadicCall(library: string, symbol: string, sig: Signature, raw: (...args: unknown[]) => unknown, guard: Guard): CompiledCall {
  const entry: Entry = { fn: undefined };
  const site = `${symbol}()`;
  const fixed = sig.args.length;
  const plans = new Map<string, PlannedCall>();
  const fail = (error: Error): never => {
    throw entry.fn === undefined ? error : startStackAt(error, entry.fn);
  };
  const planFor = (v: unknown[]): PlannedCall => {
    const n = v.length;
    if (n % 2 !== 0) {
      fail(
        new FFIError(
          "ERR_FFI_VARIADIC_ARGUMENTS",
          `${site}: variadic arguments come in (type, value) pairs after the ${fixed} fixed argument(s); received ${n} (the last type, ${describeReceived(v[n - 1])}, has no value)`,
        ),
      );
    }
    // koffi reads at most 64 JavaScript arguments of a variadic call (fixed ones, then every type and value).
    if (fixed + n > MAX_PARAMETERS) {
      fail(
        new FFIError(
          "ERR_FFI_TOO_MANY_ARGUMENTS",
          `${site}: ${fixed} fixed arguments and ${n / 2} variadic pairs make ${fixed + n} JavaScript arguments; a variadic call takes at most ${MAX_PARAMETERS}`,
        ),
      );
    }
    let key = "";
    for (let i = 0; i < n; i += 2) {
      const t = variadicTypeNumber(v[i]);
      if (t < 0) {
        fail(invalidArgValue(`${site}: unknown type for variadic argument ${i / 2 + 1} (argument ${fixed + i + 1}): expected a type name or FFIType number. Received ${describeSpecifier(v[i])}`));
      }
      key += fromCharCode(65 + t);
    }
    let plan = plans.get(key);
    if (plan === undefined) {
      const types: number[] = [];
      for (let k = 0; k < key.length; k++) {
        const t = key.charCodeAt(k) - 65;
        if (promotedKoffiType[t] === undefined) {
          fail(
            new FFIError(
              "ERR_FFI_VARIADIC_ARGUMENTS",
              `${site}: variadic argument ${k + 1} (argument ${fixed + 2 * k + 1}) cannot be of type '${typeNames[t]}'${t === FFIType.void ? "" : " on Node (koffi cannot pass N-API handles)"}`,
            ),
          );
        }
        types.push(t);
      }
      plan = compileUnit<PlannedCall>(planUnit(library, symbol, sig, types, raw, guard, entry));
      plansCompiled++;
      if (plans.size >= VARIADIC_PLAN_CACHE_SIZE) plans.delete(plans.keys().next().value!);
      plans.set(key, plan);
    }
    return plan;
  };
  const unit = wrapperUnit(library, symbol, sig, planFor, guard);
  const fn = compileUnit<(...args: unknown[]) => unknown>(unit);
  entry.fn = fn;
  const native = compileUnit<(...args: unknown[]) => unknown>(nativeUnit(library, symbol, raw, guard));
  if (fn.name !== symbol) Object.defineProperty(fn, "name", { value: symbol, configurable: true });
  if (native.name !== symbol) Object.defineProperty(native, "name", { value: symbol, configurable: true });
  return { fn, native, source: unit.text };
}

/** `.native` of a variadic symbol: koffi's function, guarded (it takes koffi's own (type, value) pairs). */
function nativeUnit(library: string, symbol: string, raw: unknown, guard: Guard): Unit {
  const bindings: Bindings = { F: raw, G: guard, D: callbackActivity };
  const id = identifierFor(symbol, bindings);
  const text = `function ${id}(...a) {\n  if (G.closed) G.fail();\n  const r = F(...a);\n  if (D.failed) D.rethrow();\n  return r;\n}`;
  return { library, symbol: `${symbol}.native`, kind: "function", text, bindings };
}

/** The source of a variadic declaration's wrapper (what `viewSource` shows). */
export function variadicWrapperSource(symbol: string, sig: Signature): string {
  const guard: Guard = { closed: false, fail: (): never => { throw new Error("not compiled"); } };
  return wrapperUnit("", symbol, sig, null, guard).text;
}
