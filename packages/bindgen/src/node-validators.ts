/**
 * Node's `validateInt32`, `validateUint32`, `validateNumber` and `validateInteger` (lib/internal/validators.js),
 * with the same errors: class, `code` and message, byte for byte (test/node-validators.test.ts compares them with
 * Node's own, run under `node --expose-internals`). Each returns the value when it is valid.
 */
import { inspect } from "node:util";
import { withCode } from "@ffi-kit/core/internal";

const { isInteger, isNaN: numberIsNaN } = Number;
const { abs } = Math;
const stringify = JSON.stringify;

/** Node's `determineSpecificType` (lib/internal/errors.js): how "Received ..." describes a value. */
export function determineSpecificType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "bigint":
      return `type bigint (${value}n)`;
    case "number":
      if (value === 0) return 1 / value === -Infinity ? "type number (-0)" : "type number (0)";
      if (value !== value) return "type number (NaN)";
      if (value === Infinity) return "type number (Infinity)";
      if (value === -Infinity) return "type number (-Infinity)";
      return `type number (${value})`;
    case "boolean":
      return value ? "type boolean (true)" : "type boolean (false)";
    case "symbol":
      return `type symbol (${String(value)})`;
    case "function":
      return `function ${(value as { name: string }).name}`;
    case "object": {
      const ctor = (value as { constructor?: unknown }).constructor as { name?: unknown } | undefined;
      if (ctor && "name" in (ctor as object)) return `an instance of ${String(ctor.name)}`;
      return `${inspect(value, { depth: -1 })}`;
    }
    case "string": {
      let s = value;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      if (!s.includes("'")) return `type string ('${s}')`;
      return `type string (${stringify(s)})`;
    }
    default:
      return `type ${typeof value}`;
  }
}

function addNumericalSeparator(val: string): string {
  let res = "";
  let i = val.length;
  const start = val[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
  return `${val.slice(0, i)}${res}`;
}

/** Node's `ERR_INVALID_ARG_TYPE` for one expected type name. */
export function nodeInvalidArgType(name: string, expected: string, actual: unknown): TypeError & { code: string } {
  const what = name.endsWith(" argument") ? `${name} ` : `"${name}" ${name.includes(".") ? "property" : "argument"} `;
  return withCode(new TypeError(`The ${what}must be of type ${expected}. Received ${determineSpecificType(actual)}`), "ERR_INVALID_ARG_TYPE");
}

/** Node's `ERR_OUT_OF_RANGE`. */
export function nodeOutOfRange(name: string, range: string, input: unknown): RangeError & { code: string } {
  let received: string;
  if (isInteger(input) && abs(input as number) > 2 ** 32) received = addNumericalSeparator(String(input));
  else if (typeof input === "bigint") {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
    received += "n";
  } else received = inspect(input);
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${received}`), "ERR_OUT_OF_RANGE");
}

/** Node's `validateInteger(value, name, min, max)`. */
export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number") throw nodeInvalidArgType(name, "number", value);
  if (!isInteger(value)) throw nodeOutOfRange(name, "an integer", value);
  if (value < min || value > max) throw nodeOutOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Node's `validateInt32(value, name, min, max)`. */
export function validateInt32(value: unknown, name: string, min = -2147483648, max = 2147483647): number {
  if (typeof value !== "number") throw nodeInvalidArgType(name, "number", value);
  if (!isInteger(value)) throw nodeOutOfRange(name, "an integer", value);
  if (value < min || value > max) throw nodeOutOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Node's `validateUint32(value, name, positive)`. */
export function validateUint32(value: unknown, name: string, positive = false): number {
  if (typeof value !== "number") throw nodeInvalidArgType(name, "number", value);
  if (!isInteger(value)) throw nodeOutOfRange(name, "an integer", value);
  const min = positive ? 1 : 0;
  const max = 4_294_967_295;
  if (value < min || value > max) throw nodeOutOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Node's `validateNumber(value, name, min, max)`. */
export function validateNumber(value: unknown, name: string, min?: number | null, max?: number | null): number {
  if (typeof value !== "number") throw nodeInvalidArgType(name, "number", value);
  if ((min != null && value < min) || (max != null && value > max) || ((min != null || max != null) && numberIsNaN(value))) {
    throw nodeOutOfRange(
      name,
      `${min != null ? `>= ${min}` : ""}${min != null && max != null ? " && " : ""}${max != null ? `<= ${max}` : ""}`,
      value,
    );
  }
  return value;
}
