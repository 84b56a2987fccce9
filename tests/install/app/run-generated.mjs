// Compiles the generated libc.gen.ts with the TypeScript the app installed (a dependency of @ffi-kit/bindgen) and
// calls libc through it. Usage: node run-generated.mjs <dir of libc.gen.ts>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const dir = process.argv[2];
const source = readFileSync(join(dir, "libc.gen.ts"), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
writeFileSync(join(dir, "libc.gen.mjs"), js);
const { open } = await import(pathToFileURL(join(dir, "libc.gen.mjs")).href);
const libc = open("libc.so.6");
console.log(JSON.stringify({ abs: libc.abs(-7), labs: String(libc.labs(-(2n ** 40n))), exportsOpen: source.includes("export function open") }));
libc.close();
