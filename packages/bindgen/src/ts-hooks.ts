/**
 * Module hooks the CLI installs so Node can import `*.bind.ts` files: TypeScript is transpiled on load (types
 * erased, nothing checked), `./x.js` falls back to `./x.ts`, and `bindgen` (the seed's import name) or an
 * unresolvable `@ffi-kit/bindgen` resolve to this package.
 *
 * Two forms of the same hooks: synchronous ones for `module.registerHooks` (Node 22.15+, run on the main thread),
 * and asynchronous ones for `module.register` (older Nodes; this file is then loaded on the loader thread).
 * `module.register` is deprecated from Node 26 (DEP0205), so {@link installTypeScriptHooks} prefers
 * `registerHooks` wherever it exists.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as nodeModule from "node:module";
import { fileURLToPath } from "node:url";
import ts from "typescript";

interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface Loaded {
  format?: string | null;
  source?: unknown;
  shortCircuit?: boolean;
}
type ResolveSync = (specifier: string, context?: unknown) => Resolved;
type LoadSync = (url: string, context?: unknown) => Loaded;
type Resolve = (specifier: string, context?: unknown) => Promise<Resolved>;
type Load = (url: string, context?: unknown) => Promise<Loaded>;

const self: Record<string, string> = {
  bindgen: new URL("./index.js", import.meta.url).href,
  "@ffi-kit/bindgen": new URL("./index.js", import.meta.url).href,
  "@ffi-kit/bindgen/runtime": new URL("./runtime.js", import.meta.url).href,
};

const isTypeScript = (url: string) => url.startsWith("file:") && /\.[cm]?ts$/.test(url) && !url.endsWith(".d.ts");
/** The `.ts` specifier to try when a relative `.js` one does not resolve, or undefined. */
const typeScriptFallback = (specifier: string) =>
  (specifier.startsWith(".") || specifier.startsWith("/")) && /\.[cm]?js$/.test(specifier) ? specifier.replace(/\.([cm]?)js$/, ".$1ts") : undefined;

function transpile(file: string, source: string): Loaded {
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}

/** Node resolve hook (`module.register`). */
export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<Resolved> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const own = self[specifier];
    if (own !== undefined) return { url: own, shortCircuit: true };
    const fallback = typeScriptFallback(specifier);
    if (fallback !== undefined) return next(fallback, context);
    throw e;
  }
}

/** Node load hook (`module.register`). */
export async function load(url: string, context: unknown, next: Load): Promise<Loaded> {
  if (isTypeScript(url)) {
    const file = fileURLToPath(url);
    return transpile(file, await readFile(file, "utf8"));
  }
  return next(url, context);
}

/** Node resolve hook (`module.registerHooks`). */
export function resolveSync(specifier: string, context: unknown, next: ResolveSync): Resolved {
  try {
    return next(specifier, context);
  } catch (e) {
    const own = self[specifier];
    if (own !== undefined) return { url: own, shortCircuit: true };
    const fallback = typeScriptFallback(specifier);
    if (fallback !== undefined) return next(fallback, context);
    throw e;
  }
}

/** Node load hook (`module.registerHooks`). */
export function loadSync(url: string, context: unknown, next: LoadSync): Loaded {
  if (isTypeScript(url)) {
    const file = fileURLToPath(url);
    return transpile(file, readFileSync(file, "utf8"));
  }
  return next(url, context);
}

/** Installs the hooks in this process: `module.registerHooks` where it exists, `module.register` otherwise. */
export function installTypeScriptHooks(): void {
  const { registerHooks, register } = nodeModule as {
    registerHooks?: (hooks: { resolve: typeof resolveSync; load: typeof loadSync }) => unknown;
    register: (specifier: string, parentURL: string) => void;
  };
  if (typeof registerHooks === "function") registerHooks({ resolve: resolveSync, load: loadSync });
  else register("./ts-hooks.js", import.meta.url);
}
