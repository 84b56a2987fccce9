/**
 * The JS side of delivery, generated once per callback signature: a pump that drains the native ring in batches
 * and invokes the user's function once per call, in queue order.
 * Arguments are read from typed arrays over the batch buffer; 64-bit values become bigints here, on the JS thread.
 */
import { CString, FFIError, FFIType, ptr } from "@ffi-kit/core";
import { compileUnit, generatedGlobals, mergeBindings, planArgument, type Bindings } from "@ffi-kit/core/internal";

/** What the generated code needs from its owner. */
export interface DeliveryHooks {
  /** Reports an error thrown by the user's function (or by converting its return value). */
  readonly error: (e: unknown) => void;
  /** Asks for another pump run on a later turn of the event loop (`delay` ms; 0 = setImmediate). */
  readonly again: (delay: number) => void;
  /** Called once when the native context reported it finished (closed, nothing left). */
  readonly finished: () => void;
  /** Counts batches and calls handed to the function. */
  readonly counts: { delivered: number; batches: number; errors: number };
}

/** The generated functions of one callback. */
export interface Delivery {
  readonly pump: () => void;
  /** Marks the rest of the current batch as skipped; returns the index of the first skipped record. */
  readonly skipRest: () => number;
  readonly bind: (handle: unknown, batch: ArrayBuffer, stride: number) => void;
}

/** Calls delivered per pump run before yielding to the event loop. */
const BUDGET = 1 << 16;

/** JS source of the expression reading argument `j` of `type` from the record at word offset `o`. */
function readExpression(type: number, j: number): string {
  const w = `o + ${1 + j}`; // word index
  const lo = `o2 + ${2 * (1 + j)}`; // int32 index of the low half
  const hi = `o2 + ${2 * (1 + j) + 1}`;
  switch (type) {
    case FFIType.char:
    case FFIType.i8:
    case FFIType.i16:
    case FFIType.i32:
      return `I32[${lo}]`;
    case FFIType.u8:
    case FFIType.u16:
    case FFIType.u32:
      return `U32[${lo}]`;
    case FFIType.bool:
      return `I32[${lo}] !== 0`;
    case FFIType.f32:
    case FFIType.f64:
      return `F64[${w}]`;
    case FFIType.i64:
      return `BI64[${w}]`;
    case FFIType.u64:
      return `BU64[${w}]`;
    case FFIType.i64_fast:
      return `((h = I32[${hi}]) >= -2097152 && h < 2097152 && (v = h * 4294967296 + U32[${lo}]) !== -9007199254740992 ? v : BI64[${w}])`;
    case FFIType.u64_fast:
      return `((h = U32[${hi}]) < 2097152 ? h * 4294967296 + U32[${lo}] : BU64[${w}])`;
    case FFIType.ptr:
    case FFIType.function:
      return `((h = U32[${hi}]) < 2097152 ? ((v = h * 4294967296 + U32[${lo}]) === 0 ? null : v) : BU64[${w}])`;
    case FFIType.cstring:
      return `((h = U32[${hi}]) < 2097152 ? ((v = h * 4294967296 + U32[${lo}]) === 0 ? null : new CString(v)) : new CString(BU64[${w}]))`;
    default:
      throw new FFIError("ERR_FFI_UNSUPPORTED_TYPE", `threadsafe callback: argument type ${type} is not supported`);
  }
}

/** Where the slow converter of a return value is bound in the delivery code. */
const SLOW = "SLOW";

/**
 * JS statements writing the converted return value `r` into the result word of the record at `o`, with the
 * bindings they name (the return value's conversion is core's plan, which brings its own).
 */
function writeStatements(type: number): { text: string; bindings: Bindings } {
  const site = "threadsafe callback return value";
  switch (type) {
    case FFIType.void:
      return { text: "", bindings: {} };
    case FFIType.f32:
    case FFIType.f64: {
      const plan = planArgument(type, site, "r", SLOW);
      return { text: `F64[o] = ${plan.expression};`, bindings: plan.bindings };
    }
    case FFIType.bool:
      return { text: `I32[o2] = r ? 1 : 0;`, bindings: {} };
    case FFIType.i64:
    case FFIType.u64:
    case FFIType.i64_fast:
    case FFIType.u64_fast: {
      const plan = planArgument(type, site, "r", SLOW);
      return {
        text: `c = ${plan.expression}; BI64[o] = typeof c === "bigint" ? c : $BigInt(c);`,
        bindings: mergeBindings(plan.bindings, { $BigInt: generatedGlobals.$BigInt }),
      };
    }
    case FFIType.ptr:
    case FFIType.cstring:
    case FFIType.function: {
      const plan = planArgument(type, site, "r", SLOW);
      return { text: `BI64[o] = TOADDR(${SLOW}(r));`, bindings: mergeBindings({ [SLOW]: plan.bindings[SLOW], TOADDR: toAddress }) };
    }
    default: {
      const plan = planArgument(type, site, "r", SLOW);
      return { text: `I32[o2] = ${plan.expression};`, bindings: plan.bindings };
    }
  }
}

const { isView } = ArrayBuffer;
const SafeBigInt = BigInt;

/** A converted pointer return value (number, bigint, null, view...) as the 64-bit word C receives. */
function toAddress(c: unknown): bigint {
  if (c === null || c === undefined) return 0n;
  if (typeof c === "bigint") return c;
  if (typeof c === "number") return SafeBigInt(c);
  if (isView(c)) return c.byteLength === 0 ? 0n : SafeBigInt(ptr(c as DataView));
  if (c instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && c instanceof SharedArrayBuffer)) {
    return c.byteLength === 0 ? 0n : SafeBigInt(ptr(c));
  }
  throw new FFIError(
    "ERR_FFI_UNSUPPORTED_TYPE",
    "threadsafe callback return value: a string cannot be returned as a pointer from a threadsafe callback (it would not outlive the call)",
  );
}

/** The delivery code of a signature: its text and the bindings it names besides the per-callback ones. */
function deliveryCode(args: readonly number[], returns: number): { text: string; bindings: Bindings } {
  const isVoid = returns === FFIType.void;
  const write = writeStatements(returns);
  const call = `FN(${args.map((t, j) => readExpression(t, j)).join(", ")})`;
  const invoke = isVoid
    ? `try { ${call}; } catch (e) { COUNTS.errors++; ERR(e); }`
    : `try { const r = ${call}; ${write.text} } catch (e) { COUNTS.errors++; BI64[o] = 0n; ERR(e); }\n        REPLY(HANDLE, k);`;
  const text = `let HANDLE, I32, U32, F64, BI64, BU64, STRIDE = 1;
let i = 0, n = 0, h = 0, v = 0, c, scheduled = false, done = false, idle = false;
function pump() {
  scheduled = false;
  if (done) return;
  let budget = ${BUDGET};
  for (;;) {
    while (i < n) {
      const k = i++, o = k * STRIDE, o2 = o * 2;
      ${invoke}
    }
    if (budget <= 0) { if (!scheduled) { scheduled = true; AGAIN(0); } return; }
    const m = DRAIN(HANDLE, idle);
    if (m > 0) { i = 0; n = m; idle = false; budget -= m; COUNTS.batches++; COUNTS.delivered += m; continue; }
    if (m === -3) { idle = true; if (!scheduled) { scheduled = true; AGAIN(0); } return; }
    if (m === -1) { if (!done) { done = true; FINISHED(); } return; }
    if (m === -2) AGAIN(1);
    return;
  }
}
function skipRest() { const k = i; COUNTS.delivered -= n - i; i = n; return k; }
function bind(handle, batch, stride) {
  HANDLE = handle; STRIDE = stride;
  I32 = new Int32Array(batch); U32 = new Uint32Array(batch); F64 = new Float64Array(batch);
  BI64 = new BigInt64Array(batch); BU64 = new BigUint64Array(batch);
}
return { pump, skipRest, bind };`;
  return { text, bindings: mergeBindings(write.bindings, { CString }) };
}

/**
 * The JS source of the delivery pump for a signature, for debugging (like core's `viewSource`): exactly the text
 * core's code generator compiles for it.
 *
 * @example
 * console.log(deliverySource([FFIType.i32, FFIType.i32], FFIType.void));
 */
export function deliverySource(args: readonly number[], returns: number): string {
  return deliveryCode(args, returns).text;
}

/** Compiles the delivery functions of one callback. Per-signature work happens here, once. */
export function compileDelivery(
  fn: (...args: unknown[]) => unknown,
  args: readonly number[],
  returns: number,
  hooks: DeliveryHooks,
  drain: (handle: unknown, maySleep: boolean) => number,
  reply: (handle: unknown, index: number) => void,
): Delivery {
  const code = deliveryCode(args, returns);
  const bindings = mergeBindings(code.bindings, {
    FN: fn,
    ERR: hooks.error,
    AGAIN: hooks.again,
    FINISHED: hooks.finished,
    COUNTS: hooks.counts,
    DRAIN: drain,
    REPLY: reply,
  });
  return compileUnit<Delivery>({ library: "@ffi-kit/callbacks", symbol: "delivery", kind: "script", text: code.text, bindings });
}
