// Compiles the generated libc.gen.ts with the TypeScript the app installed (a dependency of @ffi-kit/bindgen) and
// calls libc through it. Usage: node run-generated.mjs <dir of libc.gen.ts>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

// The TypeScript @ffi-kit/bindgen depends on (pnpm does not hoist it into the app's node_modules).
const ts = createRequire(import.meta.resolve("@ffi-kit/bindgen"))("typescript");

const dir = process.argv[2];
const source = readFileSync(join(dir, "libc.gen.ts"), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
writeFileSync(join(dir, "libc.gen.mjs"), js);
const { open } = await import(pathToFileURL(join(dir, "libc.gen.mjs")).href);
const libc = open("libc.so.6");
// libm.gen.ts, from the JavaScript schema libm.bind.mjs.
const libmJs = ts.transpileModule(readFileSync(join(dir, "libm.gen.ts"), "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
writeFileSync(join(dir, "libm.gen.mjs"), libmJs);
const libm = (await import(pathToFileURL(join(dir, "libm.gen.mjs")).href)).open("libm.so.6");
console.log(JSON.stringify({ abs: libc.abs(-7), labs: String(libc.labs(-(2n ** 40n))), sqrt: libm.sqrt(2.25), exportsOpen: source.includes("export function open") }));
libc.close();
libm.close();
