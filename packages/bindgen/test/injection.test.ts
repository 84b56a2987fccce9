// No schema value can change the code bindgen generates except as escaped data. For random schemas whose every
// name, member, enum value, symbol, default and file name is a hostile string, the emitted code (a generated module,
// and bind()'s compiled wrappers) must scan to the same token structure as the code for the same schema with
// harmless strings in the same places: a value that escaped its string literal or comment would add tokens.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import ts from "typescript";
import { fn, t } from "@ffi-kit/bindgen";
// Internal entry points, from the same build the package exports (one registry of real types).
import { generateModule } from "../dist/generate.js";
import { planBinding } from "../dist/bind.js";
import { runs } from "./support.js";

const payloads = [
  "*/", "/*", "//", '"', "'", "`", "${", "\\", "\\u0022", "\n", "\r", "\u2028", "\u2029", "</script>", "<!--", "-->",
  "*/ globalThis.PWNED = 1; /*", '"); globalThis.PWNED = 1; ("', "'); globalThis.PWNED = 1; ('", "`; globalThis.PWNED = 1; `",
  "\\\"); globalThis.PWNED = 1; //", "__proto__", "constructor", "class", "default", "-5", "1e3", "NaN", "0x10", "",
  "a b", "é", "\uD800", "\0",
];
const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...payloads), { minLength: 1, maxLength: 4 }).map((a) => a.join("")) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...payloads) },
);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const canonicalNumber = (s: string): boolean => String(Number(s)) === s;

/**
 * Harmless strings for `group` that take the same code paths: an identifier for an identifier, a non-identifier
 * for a non-identifier, the same sort order (dictionary members are converted in lexicographic order), canonical
 * numbers kept (they order an object's keys).
 */
function harmless(group: string[]): string[] {
  const sorted = [...group].sort();
  return group.map((s) => {
    if (canonicalNumber(s)) return s;
    const rank = sorted.indexOf(s);
    return IDENT.test(s) ? `a${rank}` : `a${rank} x`;
  });
}

/** The token kinds of `code` (comments and whitespace skipped; literal and identifier texts ignored). */
/** Fails with the code around the first token where `bad` and `good` differ. */
function expectSameTokens(bad: string, good: string): void {
  const a = tokens(bad);
  const b = tokens(good);
  const i = a.findIndex(([k], j) => k !== b[j]?.[0]);
  if (i === -1 && a.length === b.length) return;
  const at = (code: string, toks: Array<[string, number]>, j: number) => code.slice(Math.max(0, (toks[j]?.[1] ?? code.length) - 200), (toks[j]?.[1] ?? code.length) + 100);
  expect.fail(`token ${i} differs:\n--- hostile ---\n${at(bad, a, i)}\n--- harmless ---\n${at(good, b, i)}`);
}

function tokens(code: string): Array<[string, number]> {
  const scanner = ts.createScanner(ts.ScriptTarget.ESNext, true, ts.LanguageVariant.Standard, code);
  const kinds: Array<[string, number]> = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.SlashToken || k === ts.SyntaxKind.SlashEqualsToken) {
      // the scanner needs context to tell a regex from a division; the generated code has neither
      kinds.push([ts.SyntaxKind[k]!, scanner.getTokenStart()]);
      continue;
    }
    // identifiers and keywords are words: a schema name may legitimately become either (a member named `class`)
    const word = k === ts.SyntaxKind.Identifier || (k >= ts.SyntaxKind.FirstKeyword && k <= ts.SyntaxKind.LastKeyword);
    kinds.push([word ? "Word" : k === ts.SyntaxKind.Unknown ? `Unknown(${scanner.getTokenText()})` : ts.SyntaxKind[k]!, scanner.getTokenStart()]);
  }
  return kinds;
}

interface Strings {
  enumValues: string[];
  members: string[];
  enumKeys: string[];
  dflt: string;
  fnName: string;
  argNames: string[];
  symbol: string;
  file: string;
}

function schemaFrom(s: Strings, nums: { lo: number; hi: number; enumValues: number[]; f: number }) {
  const E = t.stringEnum(...(s.enumValues as [string, ...string[]]));
  const D = t.dictionary({ [s.members[0]!]: t.i32.required, [s.members[1]!]: t.DOMString.default(s.dflt), [s.members[2]!]: E });
  const enumObject = Object.fromEntries(s.enumKeys.map((k, i) => [k, nums.enumValues[i]!]));
  const usable = Object.keys(enumObject).some((k) => String(Number(k)) !== k);
  const N = usable ? t.nativeEnum(enumObject) : t.u8;
  const args = {
    [s.argNames[0]!]: E,
    [s.argNames[1]!]: D,
    [s.argNames[2]!]: N,
    [s.argNames[3]!]: t.i32.clamp(nums.lo, nums.hi).default(nums.lo),
    [s.argNames[4]!]: t.f64.default(nums.f),
    [s.argNames[5]!]: D.byPointer().optional,
  };
  return {
    exports: {
      E,
      D,
      N,
      [s.fnName]: fn({ variants: [{ symbol: s.symbol, args, ret: D.byPointer() }, { symbol: s.symbol, args: { [s.argNames[0]!]: t.i32, e: E }, ret: E }] }),
    },
    file: `${s.file}.bind.ts`,
  };
}

const strings: fc.Arbitrary<Strings> = fc.record({
  enumValues: fc.uniqueArray(hostile, { minLength: 1, maxLength: 3 }),
  members: fc.uniqueArray(hostile.filter((s) => !canonicalNumber(s)), { minLength: 3, maxLength: 3 }),
  enumKeys: fc.uniqueArray(hostile, { minLength: 1, maxLength: 3 }),
  dflt: hostile.map((s) => s.replace(/\0/g, "")),
  fnName: hostile,
  argNames: fc.uniqueArray(hostile.filter((s) => !canonicalNumber(s)), { minLength: 6, maxLength: 6 }),
  symbol: hostile.map((s) => s.replace(/\0/g, "") || "sym"),
  file: hostile,
});
const numbers = fc.record({
  lo: fc.integer({ min: -2147483648, max: 0 }),
  hi: fc.integer({ min: 0, max: 2147483647 }),
  enumValues: fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: 3, maxLength: 3 }),
  f: fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0)),
});

function harmlessStrings(s: Strings): Strings {
  const one = (x: string) => harmless([x])[0]!;
  return {
    enumValues: harmless(s.enumValues),
    members: harmless(s.members),
    enumKeys: harmless(s.enumKeys),
    dflt: one(s.dflt),
    fnName: one(s.fnName),
    argNames: harmless(s.argNames),
    symbol: one(s.symbol),
    file: one(s.file),
  };
}

describe("schema values reach generated code only as escaped data", () => {
  it("generated modules: hostile strings scan to the same tokens as harmless ones", () => {
    fc.assert(
      fc.property(strings, numbers, (s, n) => {
        const bad = schemaFrom(s, n);
        const good = schemaFrom(harmlessStrings(s), n);
        const badCode = generateModule(bad.exports, bad.file);
        expectSameTokens(badCode, generateModule(good.exports, good.file));
        const out = ts.transpileModule(badCode, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        expect(out.diagnostics ?? []).toEqual([]);
      }),
      { ...runs, numRuns: 150 },
    );
  });

  it("bind()'s compiled wrappers: hostile strings scan to the same tokens, and compiling runs none of them", () => {
    fc.assert(
      fc.property(strings, numbers, (s, n) => {
        const fns = (e: Record<string, unknown>) => Object.fromEntries(Object.entries(e).filter(([k]) => !["E", "D", "N"].includes(k)));
        const bad = planBinding(fns(schemaFrom(s, n).exports));
        const good = planBinding(fns(schemaFrom(harmlessStrings(s), n).exports));
        expectSameTokens(bad.source, good.source);
        new Function("R", "G", ...bad.emitter.constants.map((c) => c.id), ...bad.emitter.natives.map((x) => x.id), bad.source);
        expect((globalThis as { PWNED?: unknown }).PWNED).toBeUndefined();
      }),
      { ...runs, numRuns: 150 },
    );
  });
});
