/**
 * The planner: turns function schemas into straight-line JavaScript (or TypeScript) that converts every argument
 * inline, calls the native function and converts the result. `bind()` compiles this source once per library with
 * `new Function`; the CLI prints the same code into a module. Nothing is interpreted per call.
 */
import type { FunctionSchema, SignatureSpec } from "./fn.js";
import { compileUnit, mergeBindings } from "@ffi-kit/core/internal";
import * as runtime from "./runtime.js";
import { argumentType, fieldKey, pointeeType, returnType, type CType, type StructNamer } from "./c-types.js";
import { checkSymbol } from "./fn.js";
import { int, literal, num, str } from "./code-data.js";
import { eightbyte, memberOffsets, PACK, PACKING_ABI, packingPlan, setEightbyte, type PackingPlan } from "./struct-abi.js";
import { categories, describeSpec, schemaError, type DictionarySpec, type OneOfSpec, type Presence, type TypeSpec } from "./spec.js";

/** A JS expression for an argument's place in messages (`site`) and its Node validator name (`name`). */
interface Site {
  readonly text: string;
  readonly name: string;
}

/** A native function the generated code calls: `lib.func(symbol, ret, args)`. */
export interface NativeDeclaration {
  readonly id: string;
  readonly symbol: string;
  readonly ret: CType;
  readonly args: readonly CType[];
}

/** A constant the generated code refers to (struct types, enum tables, converted defaults). */
export interface Constant {
  readonly id: string;
  readonly value: unknown;
  readonly source: string;
}

const MAX_SAFE = 9007199254740991;
const q = str;

/**
 * Collects the helper functions, constants and native declarations of one compilation unit (one `bind()` call
 * or one generated module) and emits the wrappers.
 */
export class Emitter {
  readonly ts: boolean;
  readonly constants: Constant[] = [];
  readonly helpers: string[] = [];
  readonly natives: NativeDeclaration[] = [];
  private readonly memo = new Map<unknown, string>();
  private readonly readers = new Map<unknown, string>();
  private readonly packers = new Map<unknown, string>();
  private readonly writers = new Map<unknown, string>();
  private readonly packedReaders = new Map<unknown, string>();
  private readonly structNames = { arg: new Map<object, CType>(), ret: new Map<object, CType>() };
  private seq = 0;
  private readonly namer: StructNamer;

  /**
   * How small integer structs cross: packed into 64-bit words by this machine's ABI (`"machine"`: bind() on
   * x86-64 System V and AArch64), packed or through koffi as chosen at run time (`"portable"`: generated modules,
   * which may run on another machine), or always through koffi (`"off"`).
   */
  private readonly packing: "machine" | "portable" | "off";

  constructor(ts: boolean, namer: StructNamer | "module", options: { packStructs?: boolean | "portable" } = {}) {
    this.ts = ts;
    this.packing = options.packStructs === "portable" ? "portable" : options.packStructs === true && !ts ? "machine" : "off";
    this.namer =
      namer === "module"
        ? {
            // In a generated module each struct type becomes one module-level constant.
            struct: (spec, direction, build) => {
              const key = spec.kind === "dictionary" ? spec.fields : spec.members;
              let c = this.structNames[direction].get(key);
              if (c === undefined) {
                const made = build();
                const id = this.constant(made.value, made.source, "S");
                c = { value: made.value, source: id };
                this.structNames[direction].set(key, c);
              }
              return c;
            },
          }
        : namer;
  }

  private annotate(type: string): string {
    return this.ts ? `: ${type}` : "";
  }
  private cast(expr: string, type: string): string {
    return this.ts ? `(${expr} as ${type})` : expr;
  }

  /** A fresh identifier for a helper or constant: unique in this compilation unit. */
  private fresh(prefix: string): string {
    return `${prefix}${this.seq++}`;
  }

  /** Registers a constant and returns its identifier. */
  constant(value: unknown, source: string, prefix = "K"): string {
    const id = this.fresh(prefix);
    this.constants.push({ id, value, source });
    return id;
  }

  private memoConstant(key: unknown, value: unknown, source: string, prefix = "K"): string {
    let id = this.memo.get(key);
    if (id === undefined) {
      id = this.constant(value, source, prefix);
      this.memo.set(key, id);
    }
    return id;
  }

  /** An expression converting the identifier `v` (a JS value) to what koffi takes for `spec`. */
  convert(spec: TypeSpec, v: string, site: Site): string {
    switch (spec.kind) {
      case "int":
        return this.convertInt(spec, v, site);
      case "float":
        if (spec.mode === "plain") return `(typeof ${v} === "number" ? ${v} : R.toNumber(${v}, ${site.text}))`;
        if (spec.mode === "validateInteger") {
          const lo = num(spec.min);
          const hi = num(spec.max);
          return `(typeof ${v} === "number" && Math.trunc(${v}) === ${v} && ${v} >= ${lo} && ${v} <= ${hi} ? ${v} : R.validateInteger(${v}, ${site.name}, ${lo}, ${hi}))`;
        }
        return this.validateNumber(spec.min, spec.max, v, site);
      case "bool":
        return `!!${v}`;
      case "string":
        switch (spec.name) {
          case "ByteString":
            return `R.byteString(${v}, ${site.text})`;
          case "USVString":
            return `R.usvString(${v}, ${site.text})`;
          default:
            return `(typeof ${v} === "string" && ${v}.indexOf("\\0") === -1 ? ${v} : R.domString(${v}, ${site.text}))`;
        }
      case "stringEnum": {
        const table = this.memoConstant(spec.values, spec.values, literal(spec.values));
        const tests = spec.values.map((s, i) => `${v} === ${q(s)} ? ${i} : `).join("");
        return `(${tests}R.stringEnum(${v}, ${table}, ${site.text}))`;
      }
      case "nativeEnum": {
        const table = this.memoConstant(spec.entries, spec.entries, literal(spec.entries));
        const tests = [...new Set(spec.entries.map(([, n]) => n))].map((n) => `${v} === ${int(n)}`).join(" || ");
        return `(${tests} ? ${this.cast(v, "number")} : R.nativeEnum(${v}, ${table}, ${site.text}))`;
      }
      case "dictionary":
        return `${this.dictionaryConverter(spec)}(${v}, ${site.text}, ${site.name})`;
      case "oneOf":
        return `${this.oneOfConverter(spec)}(${v}, ${site.text}, ${site.name})`;
      case "globalObject":
      case "void":
        throw schemaError(`${spec.kind} cannot be converted`);
    }
  }

  private validateNumber(min: number | undefined, max: number | undefined, v: string, site: Site): string {
    const checks = [`typeof ${v} === "number"`];
    if (min !== undefined) checks.push(`${v} >= ${num(min)}`);
    if (max !== undefined) checks.push(`${v} <= ${num(max)}`);
    return `(${checks.join(" && ")} ? ${v} : R.validateNumber(${v}, ${site.name}, ${min === undefined ? "undefined" : num(min)}, ${max === undefined ? "undefined" : num(max)}))`;
  }

  private convertInt(spec: Extract<TypeSpec, { kind: "int" }>, v: string, site: Site): string {
    const bits = spec.bits;
    if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) throw schemaError(`an integer type cannot have ${String(bits)} bits`);
    const signed = spec.signed === true;
    const min = int(spec.min);
    const max = int(spec.max);
    const big = bits === 64;
    switch (spec.mode) {
      case "wrap": {
        if (big) {
          const lo = signed ? num(-MAX_SAFE) : "0";
          return `(typeof ${v} === "number" && ${v} >= ${lo} && ${v} <= ${MAX_SAFE} && Math.trunc(${v}) === ${v} ? ${v} + 0 : R.int64Wrap(${v}, ${signed}, ${site.text}))`;
        }
        const fast =
          bits === 32 ? (signed ? `${v} | 0` : `${v} >>> 0`) : signed ? `(${v} << ${32 - bits}) >> ${32 - bits}` : `${v} & ${2 ** bits - 1}`;
        return `(typeof ${v} === "number" ? ${fast} : R.intWrap(${v}, ${bits}, ${signed}, ${site.text}))`;
      }
      case "clamp":
      case "enforceRange": {
        const slow = spec.mode === "clamp" ? "intClamp" : "intEnforce";
        // An integer already in range is its own result: one int32/uint32 identity check covers "is an integer".
        const isInt = big ? `Math.trunc(${v}) === ${v}` : signed ? `(${v} | 0) === ${v}` : `${v} >>> 0 === ${v}`;
        return `(typeof ${v} === "number" && ${isInt} && ${v} >= ${min} && ${v} <= ${max} ? ${v} + 0 : R.${slow}(${v}, ${min}, ${max}, ${big}, ${site.text}))`;
      }
      case "validateInt32":
        return `(typeof ${v} === "number" && (${v} | 0) === ${v} && ${v} >= ${min} && ${v} <= ${max} ? ${v} : R.validateInt32(${v}, ${site.name}, ${min}, ${max}))`;
      case "validateUint32":
        return `(typeof ${v} === "number" && ${v} >>> 0 === ${v} && ${v} >= ${min} ? ${v} : R.validateUint32(${v}, ${site.name}, ${spec.positive === true ? "true" : "false"}))`;
      case "validateInteger":
        return `(typeof ${v} === "number" && Math.trunc(${v}) === ${v} && ${v} >= ${min} && ${v} <= ${max} ? ${v} : R.validateInteger(${v}, ${site.name}, ${min}, ${max}))`;
    }
  }

  /** The value C receives for an absent optional argument or member. */
  private zero(spec: TypeSpec, site: Site): string {
    switch (spec.kind) {
      case "bool":
        return "false";
      case "string":
        return "null";
      case "dictionary":
        return spec.byPointer ? "null" : "R.EMPTY";
      case "oneOf":
        return `{ tag: -1, value: { m0: ${this.zero(spec.members[0]!, site)} } }`;
      default:
        return "0";
    }
  }

  /** `convert` with the rules of `presence` (absent values, defaults, required members). */
  convertPresent(spec: TypeSpec, presence: Presence, v: string, site: Site, member: string | undefined): string {
    const converted = this.convert(spec, v, site);
    switch (presence.kind) {
      case "optional":
        return `(${v} === undefined || ${v} === null ? ${this.zero(spec, site)} : ${converted})`;
      case "default":
        return `(${v} === undefined ? ${this.defaultConstant(spec, presence.value, site)} : ${converted})`;
      case "required":
        return `(${v} === undefined ? R.missingMember(${site.text}) : ${converted})`;
      case "none":
        return member === undefined ? converted : `(${v} === undefined ? ${this.zero(spec, site)} : ${converted})`;
    }
  }

  private defaultConstant(spec: TypeSpec, value: unknown, site: Site): string {
    // Convert the default once, now, with the same code a call would run: a bad default fails at bind time.
    const probe = new Emitter(false, this.ts ? "module" : this.namer);
    const expr = probe.convert(spec, "v", { text: q(`default value`), name: q("default") });
    const body = `${probe.helpers.join("\n")}\nreturn (v) => ${expr};`;
    let converted: unknown;
    try {
      const bindings = mergeBindings({ R: runtime }, Object.fromEntries(probe.constants.map((c) => [c.id, c.value])));
      converted = compileUnit<(v: unknown) => unknown>({ library: "@ffi-kit/bindgen", symbol: "default", kind: "script", text: body, bindings })(value);
    } catch (e) {
      throw schemaError(`invalid .default() value for ${describeSpec(spec)}: ${(e as Error).message}`);
    }
    void site;
    return this.constant(converted, literal(converted), "D");
  }

  /**
   * The name of a helper converting a JS object to the struct of `spec`. As WebIDL converts a dictionary, each
   * member is read (Get) and converted before the next is read, in lexicographic order of the member names; the
   * struct itself keeps declaration order.
   */
  private dictionaryConverter(spec: DictionarySpec): string {
    const key = spec.fields;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const id = this.fresh("dict");
    this.memo.set(key, id);
    const lines: string[] = [];
    lines.push(`function ${id}(v${this.annotate("unknown")}, _site${this.annotate("string")}, _name${this.annotate("string")})${this.annotate("Record<string, unknown>")} {`);
    lines.push(
      `  const o = ${this.cast(`(v === undefined || v === null ? R.EMPTY : typeof v === "object" || typeof v === "function" ? v : R.notDictionary(v, _site))`, "Record<string, unknown>")};`,
    );
    const order = spec.fields.map((f, i) => [f, i] as const).sort(([a], [b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const [f, i] of order) {
      const site: Site = { text: `_site + ${q(`, member "${f.name}"`)}`, name: `_name + ${q(`.${f.name}`)}` };
      lines.push(`  const m${i} = o[${q(f.name)}];`);
      lines.push(`  const c${i} = ${this.convertPresent(f.type, f.presence, `m${i}`, site, f.name)};`);
    }
    lines.push(`  return { ${spec.fields.map((_, i) => `${fieldKey(i)}: c${i}`).join(", ")} };`, "}");
    this.helpers.push(lines.join("\n"));
    return id;
  }

  /** The name of a helper converting a JS value to the tagged union of `spec`. */
  private oneOfConverter(spec: OneOfSpec): string {
    const key = spec.members;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const id = this.fresh("union");
    this.memo.set(key, id);
    const lines: string[] = [];
    lines.push(`function ${id}(v${this.annotate("unknown")}, _site${this.annotate("string")}, _name${this.annotate("string")})${this.annotate("{ tag: number; value: Record<string, unknown> }")} {`);
    const byCategory = (c: string): number => spec.members.findIndex((m) => categories(m).includes(c as never));
    const branch = (i: number): string => `{ tag: ${i}, value: { m${i}: ${this.convert(spec.members[i]!, "v", { text: "_site", name: "_name" })} } }`;
    const dict = byCategory("object");
    const bool = byCategory("boolean");
    const num = byCategory("number");
    const big = spec.members.findIndex((m) => m.kind === "int" && m.bits === 64 && !m.mode.startsWith("validate"));
    const str = byCategory("string");
    // WebIDL's union algorithm: exact kinds first, then string, numeric (ToNumber: a bigint throws), boolean.
    if (dict !== -1) lines.push(`  if (v === undefined || v === null || typeof v === "object" || typeof v === "function") return ${branch(dict)};`);
    if (bool !== -1) lines.push(`  if (typeof v === "boolean") return ${branch(bool)};`);
    if (num !== -1) lines.push(`  if (typeof v === "number") return ${branch(num)};`);
    if (big !== -1) lines.push(`  if (typeof v === "bigint") return ${branch(big)};`);
    if (str !== -1) lines.push(`  if (typeof v !== "symbol") return ${branch(str)};`);
    if (num !== -1) lines.push(`  return ${branch(num)};`);
    else if (bool !== -1) lines.push(`  return ${branch(bool)};`);
    else lines.push(`  return R.noUnionMember(v, ${q(spec.members.map(describeSpec).join(" or "))}, _site);`);
    lines.push("}");
    this.helpers.push(lines.join("\n"));
    return id;
  }

  /** The name of a helper turning a struct koffi returned into a plain object with converted members. */
  private structReader(spec: DictionarySpec): string {
    const known = this.readers.get(spec.fields);
    if (known !== undefined) return known;
    for (const f of spec.fields) {
      if (f.type.kind === "oneOf") throw schemaError(`a returned dictionary cannot have a oneOf member (${q(f.name)}): C does not say which member is set`);
      if (f.type.kind === "string" && f.type.name === "ByteString") {
        throw schemaError(`a returned dictionary cannot have a ByteString member (${q(f.name)}): struct members are decoded as UTF-8; use t.DOMString`);
      }
    }
    const id = this.fresh("read");
    this.readers.set(spec.fields, id);
    // Computed keys: a member named "__proto__" becomes a property, not the object's prototype.
    const members = spec.fields.map(
      (f, i) => `    [${q(f.name)}]: ${this.convertReturn(f.type, `o.${fieldKey(i)}`, `${q(`struct member "${f.name}"`)}`)},`,
    );
    this.helpers.push(
      [`function ${id}(o${this.annotate("Record<string, unknown>")})${this.annotate("unknown")} {`, "  return {", ...members, "  };", "}"].join("\n"),
    );
    return id;
  }

  /** An expression turning koffi's result `r` (declared with `returnType`) into the JS value. */
  convertReturn(spec: TypeSpec, r: string, site: string): string {
    switch (spec.kind) {
      case "int":
        return spec.bits === 64 ? `R.toBigInt(${r})` : r;
      case "string":
        // Returned as uintptr_t: the pointer is checked (core's rules) before the string is read.
        if (spec.name === "ByteString") return `R.readByteString(${r}, ${site})`;
        if (spec.name === "USVString") return `R.wellFormed(R.readCString(${r}, ${site}))`;
        return `R.readCString(${r}, ${site})`;
      case "stringEnum": {
        const table = this.memoConstant(spec.values, spec.values, literal(spec.values));
        return `R.enumName(${this.cast(r, "number")}, ${table}, ${site})`;
      }
      case "nativeEnum": {
        const table = this.memoConstant(spec.entries, spec.entries, literal(spec.entries));
        return `R.enumValue(${this.cast(r, "number")}, ${table}, ${site})`;
      }
      case "dictionary": {
        const reader = this.structReader(spec);
        if (!spec.byPointer) return `${reader}(${this.cast(r, "Record<string, unknown>")})`;
        const struct = pointeeType(spec, this.namer);
        const structRef = this.ts ? struct.source : this.memoConstant(struct.value, struct.value, struct.source, "S");
        return `(${r} === 0 ? null : ${reader}(${this.cast(`R.readStruct(${r}, ${structRef}, ${site})`, "Record<string, unknown>")}))`;
      }
      case "void":
        return "undefined";
      default:
        return r;
    }
  }

  private cType(c: CType): string {
    // Plain type names are inlined; struct types are constants.
    if (typeof c.value === "string") return c.source;
    if (this.ts) return c.source;
    return this.memoConstant(c.value, c.value, c.source, "S");
  }

  /** Declares the native function of a signature and returns its identifier. */
  private native(sig: SignatureSpec, symbol: string, plan: PackingPlan | undefined): string {
    checkSymbol(symbol, `${q(symbol)}`);
    const id = this.fresh("native");
    const u64: CType = { value: "uint64_t", source: q("uint64_t") };
    const ret = plan?.ret ? u64 : returnType(sig.ret, this.namer);
    const args = Emitter.params(sig).flatMap((a, i) => {
      const words = plan?.words[i] ?? 0;
      return words === 0 ? [argumentType(a.type, this.namer)] : Array.from({ length: words }, () => u64);
    });
    this.natives.push({ id, symbol, ret: { value: ret.value, source: this.cType(ret) }, args: args.map((a) => ({ value: a.value, source: this.cType(a) })) });
    return id;
  }

  /** The JS parameters of a signature (globalObject arguments take none). */
  static params(sig: SignatureSpec): SignatureSpec["args"] {
    return sig.args.filter((a) => a.type.kind !== "globalObject");
  }

  /** The number of arguments a call must give. */
  static required(sig: SignatureSpec): number {
    return Emitter.params(sig).filter((a) => a.presence.kind === "none").length;
  }

  private body(name: string, sig: SignatureSpec, symbol: string, params: string[], indent: string): string[] {
    const ps = Emitter.params(sig);
    if (this.packing === "portable") {
      const plan = packingPlan(sig, ps, true);
      if (plan === undefined) return this.callBody(name, sig, symbol, params, indent, undefined);
      // Both crossings, chosen by the machine the module runs on (a branch on a constant: free once optimised).
      const packed = this.memoConstant("PACKING_ABI", PACKING_ABI, "R.PACKING_ABI", "P");
      const fast = this.callBody(name, sig, symbol, params, `${indent}  `, plan);
      if (sig.ret.kind === "void") fast.push(`${indent}  return undefined;`);
      return [`${indent}if (${packed}) {`, ...fast, `${indent}}`, ...this.callBody(name, sig, symbol, params, indent, undefined)];
    }
    return this.callBody(name, sig, symbol, params, indent, this.packing === "machine" ? packingPlan(sig, ps) : undefined);
  }

  /** The conversions and the call of one signature, crossing as `plan` says (koffi's structs when undefined). */
  private callBody(name: string, sig: SignatureSpec, symbol: string, params: string[], indent: string, plan: PackingPlan | undefined): string[] {
    const ps = Emitter.params(sig);
    const native = this.native(sig, symbol, plan);
    const args = ps.map((a, i) =>
      this.convertPresent(a.type, a.presence, params[i]!, { text: q(`${name}(): argument ${i + 1} (${a.name})`), name: q(a.name) }, undefined),
    );
    // Conversions can run user code (valueOf, toString, getters) that closes the library: check the guard after
    // the last of them, right before the call. A packed struct is packed right after its own conversion, with no
    // user code between writing the scratch words and reading them.
    const lines: string[] = [];
    const callArgs: string[] = [];
    args.forEach((a, i) => {
      const words = plan?.words[i] ?? 0;
      if (words === 0) {
        lines.push(`${indent}const c${i} = ${a};`);
        callArgs.push(`c${i}`);
        return;
      }
      const P = this.memoConstant(PACK, PACK, "R.PACK", "P");
      lines.push(`${indent}const c${i} = ${this.packer(ps[i]!.type as DictionarySpec, words)}(${a});`);
      callArgs.push(`c${i}`);
      if (words === 2) {
        lines.push(`${indent}const c${i}h = ${P}.hi;`);
        callArgs.push(`c${i}h`);
      }
    });
    lines.push(`${indent}if (G.closed) G.fail();`);
    const call = `${native}(${callArgs.join(", ")})`;
    if (sig.ret.kind === "void") return [...lines, `${indent}${call};`];
    if (plan?.ret) {
      const spec = sig.ret as DictionarySpec;
      const set = this.memoConstant(setEightbyte, setEightbyte, "R.setEightbyte", "F");
      return [...lines, `${indent}const r = ${call};`, `${indent}${set}(r);`, `${indent}return ${this.structReader(spec)}(${this.packedReader(spec)}(0));`];
    }
    return [...lines, `${indent}const r = ${call};`, `${indent}return ${this.convertReturn(sig.ret, "r", q(`${name}()`))};`];
  }

  /** A helper packing a converted struct object (`{ f0, f1, ... }`) into the scratch and returning word 0 (word 1 in P.hi). */
  private packer(spec: DictionarySpec, words: number): string {
    const known = this.packers.get(spec.fields);
    if (known !== undefined) return known;
    const P = this.memoConstant(PACK, PACK, "R.PACK", "P");
    const E = this.memoConstant(eightbyte, eightbyte, "R.eightbyte", "F");
    const write = this.packedWriter(spec);
    const id = this.fresh("pack");
    this.packers.set(spec.fields, id);
    this.helpers.push(
      [
        `function ${id}(o${this.annotate("Record<string, unknown>")})${this.annotate("number | bigint")} {`,
        `  const U = ${P}.u32;`,
        "  U[0] = 0; U[1] = 0; U[2] = 0; U[3] = 0;",
        `  ${write}(o, 0);`,
        ...(words === 2 ? [`  ${P}.hi = ${E}(1);`] : []),
        `  return ${E}(0);`,
        "}",
      ].join("\n"),
    );
    return id;
  }

  /** A helper writing a converted struct object's members at byte `b` of the scratch (C layout, little-endian). */
  private packedWriter(spec: DictionarySpec): string {
    const known = this.writers.get(spec.fields);
    if (known !== undefined) return known;
    const P = this.memoConstant(PACK, PACK, "R.PACK", "P");
    const offsets = memberOffsets(spec);
    const nested = spec.fields.map((f) => (f.type.kind === "dictionary" ? this.packedWriter(f.type) : ""));
    const id = this.fresh("write");
    this.writers.set(spec.fields, id);
    const lines = [`function ${id}(o${this.annotate("Record<string, unknown> | undefined")}, b${this.annotate("number")})${this.annotate("void")} {`, "  if (o === undefined) return;"];
    if (spec.fields.some((f) => f.type.kind !== "dictionary")) lines.push(`  const D = ${P}.dv;`);
    spec.fields.forEach((f, i) => {
      const at = `b + ${int(offsets[i])}`;
      const x = `o.${fieldKey(i)}`;
      const t = f.type;
      if (t.kind === "dictionary") lines.push(`  ${nested[i]}(${this.cast(x, "Record<string, unknown> | undefined")}, ${at});`);
      else if (t.kind === "bool") lines.push(`  D.setUint8(${at}, ${x} ? 1 : 0);`);
      else if (t.kind === "int" && t.bits === 64) {
        lines.push(`  { const x = ${x}; D.${t.signed ? "setBigInt64" : "setBigUint64"}(${at}, typeof x === "bigint" ? x : BigInt(${this.cast("x ?? 0", "number")}), true); }`);
      } else if (t.kind === "int") lines.push(`  D.${dataViewName(t.bits, t.signed, "set")}(${at}, ${this.cast(x, "number")}${t.bits > 8 ? ", true" : ""});`);
      else lines.push(`  D.setInt32(${at}, ${this.cast(x, "number")}, true);`);
    });
    lines.push("}");
    this.helpers.push(lines.join("\n"));
    return id;
  }

  /** A helper reading a struct at byte `b` of the scratch into `{ f0, f1, ... }` (what koffi would have decoded). */
  private packedReader(spec: DictionarySpec): string {
    const known = this.packedReaders.get(spec.fields);
    if (known !== undefined) return known;
    const P = this.memoConstant(PACK, PACK, "R.PACK", "P");
    const offsets = memberOffsets(spec);
    const nested = spec.fields.map((f) => (f.type.kind === "dictionary" ? this.packedReader(f.type) : ""));
    const id = this.fresh("unpack");
    this.packedReaders.set(spec.fields, id);
    const members = spec.fields.map((f, i) => {
      const at = `b + ${int(offsets[i])}`;
      const t = f.type;
      if (t.kind === "dictionary") return `${fieldKey(i)}: ${nested[i]}(${at})`;
      if (t.kind === "bool") return `${fieldKey(i)}: D.getUint8(${at}) !== 0`;
      if (t.kind === "int" && t.bits === 64) return `${fieldKey(i)}: D.${t.signed ? "getBigInt64" : "getBigUint64"}(${at}, true)`;
      if (t.kind === "int") return `${fieldKey(i)}: D.${dataViewName(t.bits, t.signed, "get")}(${at}${t.bits > 8 ? ", true" : ""})`;
      return `${fieldKey(i)}: D.getInt32(${at}, true)`;
    });
    this.helpers.push([`function ${id}(b${this.annotate("number")})${this.annotate("Record<string, unknown>")} {`, `  const D = ${P}.dv;`, `  return { ${members.join(", ")} };`, "}"].join("\n"));
    return id;
  }

  /**
   * Emits the wrapper of one function schema as a function declaration named `id`. `bound` is the name it is bound
   * under (used for messages and the default symbol).
   */
  wrapper(id: string, bound: string, schema: FunctionSchema, retType: string): string {
    const sigs = schema.signatures;
    const arity = Math.max(...sigs.map((s) => Emitter.params(s).length));
    const params = Array.from({ length: arity }, (_, i) => `a${i}`);
    const paramList = params.map((p) => `${p}${this.ts ? "?: unknown" : ""}`).join(", ");
    const lines: string[] = [`function ${id}(${paramList})${this.annotate(retType)} {`];
    if (!schema.overloaded) {
      const sig = sigs[0]!;
      const req = Emitter.required(sig);
      if (req > 0) {
        const names = this.memoConstant(`names:${id}`, Emitter.params(sig).map((a) => a.name), literal(Emitter.params(sig).map((a) => a.name)));
        lines.push(`  if (arguments.length < ${req}) R.missingArgs(${q(bound)}, ${req}, arguments.length, ${names});`);
      }
      lines.push("  if (G.closed) G.fail();");
      const body = this.body(bound, sig, sig.symbol ?? bound, params, "  ");
      lines.push(...(this.ts && sig.ret.kind !== "void" ? body.map((l) => l.replace(/^(\s*)return (?!undefined;)(.*);$/, `$1return $2 as ${retType};`)) : body));
      lines.push("}");
      return lines.join("\n");
    }
    // Variants: the first, in declaration order, whose argument count fits and whose arguments all have the kind of
    // JavaScript value its types take (no coercion) wins; its conversions then run as for a plain function.
    lines.push("  const n = arguments.length;", "  if (G.closed) G.fail();");
    const minReq = Math.min(...sigs.map(Emitter.required));
    sigs.forEach((sig, k) => {
      const ps = Emitter.params(sig);
      const req = Emitter.required(sig);
      const conds = req > 0 ? [`n >= ${req}`] : [];
      ps.forEach((a, i) => {
        const m = this.matches(a.type, params[i]!);
        const absent = a.presence.kind === "optional" ? `${params[i]} === undefined || ${params[i]} === null || ` : a.presence.kind === "default" ? `${params[i]} === undefined || ` : "";
        conds.push(i < req ? m : `(n <= ${i} || ${absent}${m})`);
      });
      lines.push(`  if (${conds.join(" && ") || "true"}) {`);
      const body = this.body(bound, sig, sig.symbol ?? `${bound}${k + 1}`, params, "    ");
      if (sig.ret.kind === "void") body.push("    return undefined;");
      lines.push(...body, "  }");
    });
    const names = this.memoConstant(`names:${id}`, Emitter.params(sigs.find((s) => Emitter.required(s) === minReq)!).map((a) => a.name), literal(Emitter.params(sigs.find((s) => Emitter.required(s) === minReq)!).map((a) => a.name)));
    if (minReq > 0) lines.push(`  if (n < ${minReq}) R.missingArgs(${q(bound)}, ${minReq}, n, ${names});`);
    const expected = sigs.map((s) => `(${Emitter.params(s).map((a) => `${a.name}: ${describeSpec(a.type)}`).join(", ")})`);
    const table = this.memoConstant(`expected:${id}`, expected, literal(expected));
    lines.push(`  return R.noVariant(${q(bound)}, arguments, ${table});`, "}");
    let src = lines.join("\n");
    if (this.ts) src = src.replace(/return (?!R\.noVariant|undefined;)(.*);$/gm, `return $1 as ${retType};`);
    return src;
  }

  /** A test that `v` has the kind of value `spec` takes without coercion (variant selection). */
  private matches(spec: TypeSpec, v: string): string {
    switch (spec.kind) {
      case "stringEnum":
        return `(${spec.values.map((s) => `${v} === ${q(s)}`).join(" || ")})`;
      case "dictionary":
        return `(${v} === null || typeof ${v} === "object")`;
      default: {
        const cats = categories(spec);
        return `(${cats.map((c) => (c === "object" ? `(${v} === null || typeof ${v} === "object")` : `typeof ${v} === ${q(c)}`)).join(" || ") || "false"})`;
      }
    }
  }
}

function dataViewName(bits: number, signed: boolean, op: "get" | "set"): string {
  return `${op}${signed ? "Int" : "Uint"}${bits}`;
}
