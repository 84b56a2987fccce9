/**
 * Module hooks the CLI registers so Node 20 can import `*.bind.ts` files: TypeScript is transpiled on load
 * (types erased, nothing checked), `./x.js` falls back to `./x.ts`, and `bindgen` (the seed's import name) or an
 * unresolvable `@ffi-kit/bindgen` resolve to this package.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

type Resolve = (specifier: string, context: unknown) => Promise<{ url: string }>;
type Load = (url: string, context: unknown) => Promise<{ format?: string; source?: unknown }>;

const self: Record<string, string> = {
  bindgen: new URL("./index.js", import.meta.url).href,
  "@ffi-kit/bindgen": new URL("./index.js", import.meta.url).href,
  "@ffi-kit/bindgen/runtime": new URL("./runtime.js", import.meta.url).href,
};

/** Node resolve hook. */
export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<{ url: string; shortCircuit?: boolean }> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const own = self[specifier];
    if (own !== undefined) return { url: own, shortCircuit: true };
    if ((specifier.startsWith(".") || specifier.startsWith("/")) && /\.[cm]?js$/.test(specifier)) {
      return next(specifier.replace(/\.([cm]?)js$/, ".$1ts"), context);
    }
    throw e;
  }
}

/** Node load hook. */
export async function load(url: string, context: unknown, next: Load): Promise<{ format?: string; source?: unknown; shortCircuit?: boolean }> {
  if (url.startsWith("file:") && /\.[cm]?ts$/.test(url) && !url.endsWith(".d.ts")) {
    const file = fileURLToPath(url);
    const source = await readFile(file, "utf8");
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false },
    });
    return { format: "module", source: out.outputText, shortCircuit: true };
  }
  return next(url, context);
}
