import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The recorded behaviour of Bun 1.4.5: the one copy of the table, next to @ffi-kit/core's conformance test. */
export interface ConformanceData {
  arguments: Record<string, Record<string, { ok?: unknown; type?: string; err?: string; skip?: number }>>;
  returns: Record<string, unknown>;
  callbacks: {
    seen: Record<string, [unknown, unknown, string][]>;
    returned: Record<string, [unknown, unknown, string][]>;
    jsReturn: Record<string, [string, unknown][]>;
  };
}

export function loadConformance(): ConformanceData {
  const path = fileURLToPath(new URL("../../../core/test/conformance/bun-1.4.5.json", import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as ConformanceData;
}

function power(expr: string): bigint {
  // "2^31-1", "-2^63", "2^53+2", "2^64-1"
  const m = /^(-?)2\^(\d+)([+-]\d+)?$/.exec(expr);
  if (!m) throw new Error(`unknown label ${expr}`);
  const v = (m[1] === "-" ? -1n : 1n) * (1n << BigInt(m[2]!)) + BigInt(m[3] ?? 0);
  return v;
}

/** The JS value an input label of the table names (`"2^31"`, `"-0"`, `"'12'"`, `"10n"`, `"Inf"`...). */
export function labelValue(label: string): unknown {
  switch (label) {
    case "true": return true;
    case "false": return false;
    case "null": return null;
    case "undefined": return undefined;
    case "NaN": return NaN;
    case "Inf": return Infinity;
    case "-Inf": return -Infinity;
    case "-0": return -0;
  }
  if (/^'.*'$/.test(label)) return label.slice(1, -1);
  if (label.endsWith("n")) {
    const body = label.slice(0, -1);
    return body.includes("^") ? power(body) : BigInt(body);
  }
  if (label.includes("^")) return Number(power(label));
  const n = Number(label);
  if (Number.isNaN(n)) throw new Error(`unknown label ${label}`);
  return n;
}

/** A recorded result (`"12n"`, `"-0"`, `"NaN"`, `"Infinity"`, numbers, null, booleans) as the JS value. */
export function recordedValue(v: unknown): unknown {
  if (typeof v !== "string") return v;
  switch (v) {
    case "-0": return -0;
    case "NaN": return NaN;
    case "Infinity": return Infinity;
    case "-Infinity": return -Infinity;
  }
  if (/^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
  return v;
}
