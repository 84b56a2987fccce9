#!/usr/bin/env node
/**
 * `ffi-kit-bindgen <dir> [--out <dir>] [--check]`: scans `<dir>` for schema files (`*.bind.ts`, `*.bind.mts`,
 * `*.bind.mjs`, `*.bind.js`) and writes, for each `name.bind.*`, a TypeScript module `name.gen.ts` (next to it, or under `--out` with the same relative path)
 * with the conversions inline and TSDoc on every declaration. `--check` writes nothing and exits 1 if a file is
 * missing or stale (for CI).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateModule } from "./generate.js";
import { installTypeScriptHooks } from "./ts-hooks.js";

const usage = "usage: ffi-kit-bindgen <dir> [--out <dir>] [--check]";

/** The schema files the CLI reads: TypeScript (transpiled on load) or JavaScript modules. */
const BIND_FILE = /\.bind\.(?:ts|mts|mjs|js)$/;

function findBindFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findBindFiles(p));
    else if (entry.isFile() && BIND_FILE.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(p);
  }
  return found;
}

async function main(argv: string[]): Promise<number> {
  let dir: string | undefined;
  let out: string | undefined;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out") out = argv[++i];
    else if (a === "--check") check = true;
    else if (a === "-h" || a === "--help") {
      console.log(usage);
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`ffi-kit-bindgen: unknown option ${a}\n${usage}`);
      return 2;
    } else if (dir === undefined) dir = a;
    else {
      console.error(`ffi-kit-bindgen: one directory only\n${usage}`);
      return 2;
    }
  }
  if (dir === undefined || (out === undefined && argv.includes("--out"))) {
    console.error(usage);
    return 2;
  }
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`ffi-kit-bindgen: ${root} is not a directory`);
    return 2;
  }
  installTypeScriptHooks();
  const files = findBindFiles(root);
  if (files.length === 0) {
    console.error(`ffi-kit-bindgen: no *.bind.ts, *.bind.mts, *.bind.mjs or *.bind.js files under ${root}`);
    return 1;
  }
  const targets = new Map<string, string>();
  for (const file of files) {
    const key = relative(root, file).replace(BIND_FILE, "");
    const other = targets.get(key);
    if (other !== undefined) {
      console.error(`ffi-kit-bindgen: ${relative(root, other)} and ${relative(root, file)} would both write ${key}.gen.ts: keep one`);
      return 1;
    }
    targets.set(key, file);
  }
  let stale = 0;
  for (const file of files) {
    const rel = relative(root, file);
    const target = join(out === undefined ? root : resolve(out), rel.replace(BIND_FILE, ".gen.ts"));
    let source: string;
    try {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      source = generateModule(mod, rel.replace(/\\/g, "/").replace(/^.*\//, ""));
    } catch (e) {
      const err = e as { code?: string; message?: string };
      console.error(`ffi-kit-bindgen: ${rel}: ${err.code ? `[${err.code}] ` : ""}${err.message ?? String(e)}`);
      return 1;
    }
    const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
    if (check) {
      if (current !== source) {
        console.error(`ffi-kit-bindgen: ${relative(process.cwd(), target)} is ${current === undefined ? "missing" : "stale"}`);
        stale++;
      }
      continue;
    }
    if (current !== source) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, source);
    }
    console.log(`${relative(process.cwd(), file)} -> ${relative(process.cwd(), target)}`);
  }
  return stale > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`ffi-kit-bindgen: ${(e as Error)?.stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
