/**
 * The code generator: turns the exports of a `*.bind.ts` module into a TypeScript module whose conversions are
 * inline and whose declarations carry TSDoc. Output depends only on the schemas, so it is byte-for-byte stable.
 */
import { isFunctionSchema, type FunctionSchema, type SignatureSpec } from "./fn.js";
import { isType } from "./t.js";
import { Emitter } from "./emit.js";
import { describeSpec, type Presence, type TypeSpec } from "./spec.js";
import { commentText, int, literal, str } from "./code-data.js";

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const q = str;
/** One-line documentation comment; the text cannot close it. */
const doc1 = (text: string): string => `/** ${commentText(text)} */`;
const prop = (s: string): string => (IDENT.test(s) ? s : q(s));

function pascal(base: string): string {
  const p = base
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  return /^[A-Za-z_]/.test(p) ? p : `M${p}`;
}

function typeKey(spec: TypeSpec): object | undefined {
  switch (spec.kind) {
    case "dictionary":
      return spec.fields;
    case "stringEnum":
      return spec.values;
    case "nativeEnum":
      return spec.entries;
    case "oneOf":
      return spec.members;
    default:
      return undefined;
  }
}

/** Prints TypeScript types for specs, using the names the `.bind.ts` exported them under. */
class TypePrinter {
  readonly names = new Map<object, string>();
  readonly declarations: string[] = [];
  private readonly pending: Array<[string, TypeSpec]> = [];

  /** Names a type; declarations are printed by {@link render} once every name is known. */
  register(name: string, spec: TypeSpec): void {
    const key = typeKey(spec);
    if (key === undefined || this.names.has(key)) return;
    this.names.set(key, name);
    this.pending.push([name, spec]);
  }

  render(): void {
    for (const [name, spec] of this.pending) this.declare(name, spec);
  }

  name(spec: TypeSpec): string | undefined {
    const key = typeKey(spec);
    return key === undefined ? undefined : this.names.get(key);
  }

  private declare(name: string, spec: TypeSpec): void {
    const doc = doc1(`\`${name}\` from the schema: ${describeSpec(spec)}.`);
    switch (spec.kind) {
      case "dictionary":
        this.declarations.push(
          `${doc1(`The object \`${name}\` takes (C struct, members in declaration order).`)}\nexport interface ${name} {\n${spec.fields
            .map((f) => `  ${prop(f.name)}${f.presence.kind === "required" ? "" : "?"}: ${this.input(f.type)};`)
            .join("\n")}\n}`,
          `${doc1(`\`${name}\` as C returns it.`)}\nexport interface ${name}Result {\n${spec.fields.map((f) => `  ${prop(f.name)}: ${this.output(f.type)};`).join("\n")}\n}`,
        );
        break;
      case "oneOf":
        this.declarations.push(`${doc}\nexport type ${name} = ${spec.members.map((m) => this.input(m)).join(" | ")};`);
        break;
      default:
        this.declarations.push(`${doc}\nexport type ${name} = ${this.input(spec, true)};`);
    }
  }

  input(spec: TypeSpec, expand = false): string {
    const named = expand ? undefined : this.name(spec);
    if (named !== undefined) return named;
    switch (spec.kind) {
      case "int":
        return spec.bits === 64 && !spec.mode.startsWith("validate") ? "number | bigint" : "number";
      case "float":
        return "number";
      case "bool":
        return "boolean";
      case "string":
        return "string";
      case "stringEnum":
        return spec.values.map(q).join(" | ");
      case "nativeEnum":
        return [...new Set(spec.entries.map(([, n]) => int(n)))].join(" | ");
      case "dictionary":
        return `{ ${spec.fields.map((f) => `${prop(f.name)}${f.presence.kind === "required" ? "" : "?"}: ${this.input(f.type)}`).join("; ")} }`;
      case "oneOf":
        return spec.members.map((m) => this.input(m)).join(" | ");
      case "globalObject":
        return "never";
      case "void":
        return "undefined";
    }
  }

  output(spec: TypeSpec): string {
    switch (spec.kind) {
      case "int":
        return spec.bits === 64 ? "bigint" : "number";
      case "string":
        return "string | null";
      case "dictionary": {
        const named = this.name(spec);
        const base = named !== undefined ? `${named}Result` : `{ ${spec.fields.map((f) => `${prop(f.name)}: ${this.output(f.type)}`).join("; ")} }`;
        return spec.byPointer ? `${base} | null` : base;
      }
      case "void":
        return "void";
      default:
        return this.input(spec);
    }
  }
}

// Words that cannot name a parameter (strict mode reserved words and literals).
const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval").split(" "),
);

/** A parameter name for the declaration: the schema's name when it is a usable identifier, else `argN`. */
function paramName(name: string, i: number): string {
  return IDENT.test(name) && !RESERVED.has(name) ? name : `arg${i + 1}`;
}

function paramType(printer: TypePrinter, spec: TypeSpec, presence: Presence): string {
  const t = printer.input(spec);
  return presence.kind === "optional" ? `${t} | null` : t;
}

function renderDefault(value: unknown): string {
  try {
    return literal(value);
  } catch {
    return typeof value;
  }
}

/** The TSDoc of one signature: what throws, how numbers convert, what defaults are. */
function docLines(sig: SignatureSpec, symbol: string): string[] {
  const params = Emitter.params(sig);
  const required = Emitter.required(sig);
  const lines: string[] = [];
  if (required === 1) lines.push("Throws if zero arguments are provided.");
  else if (required > 1) lines.push(`Throws if fewer than ${required} arguments are provided.`);
  const wraps = params.some((a) => a.type.kind === "int" && a.type.mode === "wrap");
  if (wraps) lines.push("Wraps out of range numbers using modulo.");
  for (const a of params) {
    const s = a.type;
    if (s.kind === "int" || s.kind === "float") {
      switch (s.mode) {
        case "clamp":
          lines.push(`Clamps \`${a.name}\` to [${s.min}, ${s.max}], rounding half to even.`);
          break;
        case "enforceRange":
          lines.push(`Throws a TypeError if \`${a.name}\` is not finite or, truncated, outside [${s.min}, ${s.max}].`);
          break;
        case "validateInt32":
        case "validateInteger":
          lines.push(`Validates \`${a.name}\` like Node's \`${s.mode}(${a.name}, "${a.name}", ${s.min}, ${s.max})\`.`);
          break;
        case "validateUint32":
          lines.push(`Validates \`${a.name}\` like Node's \`validateUint32(${a.name}, "${a.name}", ${s.kind === "int" && s.positive === true})\`.`);
          break;
        case "validateNumber":
          lines.push(`Validates \`${a.name}\` like Node's \`validateNumber(${a.name}, "${a.name}"${s.min !== undefined || s.max !== undefined ? `, ${s.min}, ${s.max}` : ""})\`.`);
          break;
        default:
          break;
      }
    } else if (s.kind === "string" && s.name === "ByteString") {
      lines.push(`Throws a TypeError if \`${a.name}\` has characters above U+00FF.`);
    } else if (s.kind === "stringEnum") {
      lines.push(`Throws a TypeError if \`${a.name}\` is not one of ${s.values.map((v) => `"${v}"`).join(", ")}.`);
    }
  }
  const tags: string[] = [];
  for (const a of params) {
    if (a.presence.kind === "default") tags.push(`@param ${a.name} - Defaults to ${renderDefault(a.presence.value)}.`);
    else if (a.presence.kind === "optional") tags.push(`@param ${a.name} - Optional: omitted, \`undefined\` or \`null\` passes zero (NULL) to C.`);
  }
  tags.push(`@remarks Calls the C function \`${symbol}\`.`);
  return [...lines, ...(lines.length ? [""] : []), ...tags];
}

function tsdoc(lines: readonly string[], indent: string): string {
  return [`${indent}/**`, ...lines.map((l) => (l === "" ? `${indent} *` : `${indent} * ${commentText(l)}`)), `${indent} */`].join("\n");
}

/**
 * Generates the TypeScript module for the exports of one `.bind.ts` file.
 *
 * @param exportsOf the module namespace (or any object) holding `fn()` schemas and named `t.*` types
 * @param sourceName the file name, for the header and the library interface name (`math.bind.ts` → `MathLibrary`)
 */
export function generateModule(exportsOf: Record<string, unknown>, sourceName: string): string {
  const base = sourceName.replace(/^.*[\\/]/, "").replace(/\.bind\.[cm]?[jt]s$/, "");
  const iface = `${pascal(base)}Library`;
  const keys = Object.keys(exportsOf).sort();
  const printer = new TypePrinter();
  for (const k of keys) {
    const v = exportsOf[k];
    if (isType(v) && IDENT.test(k)) printer.register(pascal(k) === k ? k : pascal(k), v.spec);
  }
  printer.render();
  const functions = keys.filter((k) => isFunctionSchema(exportsOf[k])).map((k) => [k, exportsOf[k] as FunctionSchema] as const);
  const emitter = new Emitter(true, "module", { packStructs: "portable" });
  const members: string[] = [];
  const wrappers: string[] = [];
  functions.forEach(([name, schema], i) => {
    const rets = [...new Set(schema.signatures.map((s) => printer.output(s.ret)))];
    wrappers.push(emitter.wrapper(`fn${i}`, name, schema, rets.join(" | ")));
    schema.signatures.forEach((sig, k) => {
      const symbol = sig.symbol ?? (schema.overloaded ? `${name}${k + 1}` : name);
      const params = Emitter.params(sig)
        .map((a, i) => `${paramName(a.name, i)}${a.presence.kind === "none" ? "" : "?"}: ${paramType(printer, a.type, a.presence)}`)
        .join(", ");
      members.push(`${tsdoc(docLines(sig, symbol), "  ")}\n  ${prop(name)}(${params}): ${printer.output(sig.ret)};`);
    });
  });
  const constants = emitter.constants.map((c) => `const ${c.id} = ${c.source}${c.id.startsWith("K") ? " as const" : ""};`);
  const natives = emitter.natives.map(
    (n) => `  const ${n.id} = L.declare(${q(n.symbol)}, ${n.ret.source}, [${n.args.map((a) => a.source).join(", ")}]);`,
  );
  const entries = functions.map(([name, schema], i) =>
    schema.overloaded ? `    ${prop(name)}: fn${i} as unknown as ${iface}[${q(name)}],` : `    ${prop(name)}: fn${i},`,
  );
  const indent = (s: string): string => s.split("\n").map((l) => (l === "" ? l : `  ${l}`)).join("\n");
  const out = [
    `// ${commentText(`Generated by ffi-kit-bindgen from ${sourceName}. Do not edit: run ffi-kit-bindgen again instead.`)}`,
    `import * as R from "@ffi-kit/bindgen/runtime";`,
    "",
    ...printer.declarations.flatMap((d) => [d, ""]),
    doc1(`The functions of ${sourceName}, bound to a native library by {@link open}.`),
    `export interface ${iface} {`,
    members.join("\n"),
    "  /** Closes the library; later calls throw `FFIError` with code `ERR_FFI_LIBRARY_CLOSED`. */",
    "  close(): void;",
    "  [Symbol.dispose](): void;",
    "}",
    "",
    ...constants,
    ...(constants.length ? [""] : []),
    ...emitter.helpers.flatMap((h) => [h, ""]),
    "/**",
    ` * ${commentText(`Opens the shared library at \`path\` and binds the functions of ${sourceName} to its symbols.`)}`,
    " *",
    " * @example",
    ` * ${commentText(`const lib = open("./lib${base}.so");`)}`,
    " */",
    `export function open(path: string | URL): ${iface} {`,
    `  const L = R.openLibrary(path, "open()");`,
    "  const G = L.G;",
    ...natives,
    ...wrappers.map(indent),
    ...functions.map(([name], i) => `  Object.defineProperty(fn${i}, "name", { value: ${q(name)} });`),
    "  const close = (): void => L.close();",
    "  return Object.freeze({",
    ...entries,
    "    close,",
    "    [Symbol.dispose]: close,",
    "  });",
    "}",
    "",
  ];
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}
