/**
 * Reads the value labels and printed results of conformance/bun-1.4.5.json: `"2^31-1"`, `"-2^63-1n"`, `"'12'"`,
 * `"1e300"`, `"Inf"`... and results where bigints end in `n` and `-0`, `NaN`, `Infinity` are strings.
 */
export function valueOfLabel(label: string): unknown {
  switch (label) {
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "undefined":
      return undefined;
    case "NaN":
      return NaN;
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
    case "-0":
      return -0;
  }
  if (/^'.*'$/.test(label)) return label.slice(1, -1);
  const big = /^(-?)2\^(\d+)([+-]\d+)?n$/.exec(label);
  if (big) {
    const v = (1n << BigInt(big[2]!)) + BigInt(big[3] ?? 0);
    return big[1] ? -(1n << BigInt(big[2]!)) + BigInt(big[3] ?? 0) : v;
  }
  if (/^-?\d+n$/.test(label)) return BigInt(label.slice(0, -1));
  const pow = /^(-?)2\^(\d+)([+-]\d+)?$/.exec(label);
  if (pow) {
    const base = 2 ** Number(pow[2]);
    return (pow[1] ? -base : base) + Number(pow[3] ?? 0);
  }
  const n = Number(label);
  if (Number.isNaN(n)) throw new Error(`unknown label ${label}`);
  return n;
}

/** Prints a value as the conformance file does. */
export function printed(value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") {
    if (Object.is(value, -0)) return "-0";
    if (Number.isNaN(value)) return "NaN";
    if (value === Infinity) return "Infinity";
    if (value === -Infinity) return "-Infinity";
  }
  return value;
}
