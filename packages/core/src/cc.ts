/**
 * `cc()`, as `bun:ffi` exports it: compiles a C file with the system C compiler into a shared library and opens it
 * like `dlopen`. Builds are cached per user (`${XDG_CACHE_HOME:-~/.cache}/ffi-kit/cc/`), keyed by a hash of the
 * source, the options, the compiler and its version; a cached build is used only while every header it included
 * still has the content it had. The compiler runs with an argument vector, never through a shell.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FFIError, describeReceived, invalidArgType, invalidArgValue, startStackAt } from "./errors.js";
import { dlopen } from "./dlopen.js";
import { suffix } from "./library-path.js";
import { resolveSignature } from "./signature.js";
import { safeIsArray } from "./globals.js";
import type { FFIFunction, Library } from "./signature-types.js";

/** The options of {@link cc}, as bun:ffi documents them. */
export interface CCOptions<Fns extends Record<string, FFIFunction>> {
  /** The C file: a path (relative to the current directory), a `file:` URL string or a `URL`. */
  readonly source: string | URL;
  /** The functions to expose, declared as for `dlopen`. */
  readonly symbols: Fns;
  /** Libraries to link with (`["sqlite3"]` links `-lsqlite3`). */
  readonly library?: string | readonly string[];
  /** Include directories (`-I`). */
  readonly include?: string | readonly string[];
  /** Preprocessor definitions: `{ NDEBUG: "1" }` is `-DNDEBUG=1`; `{ GREETING: '"hi"' }` a string literal. */
  readonly define?: Readonly<Record<string, string>>;
  /** More compiler arguments: an array (one argument each) or a string (split at whitespace, no shell quoting). */
  readonly flags?: string | readonly string[];
}

/** The cache's layout version: a change of layout starts a new namespace. */
const CACHE_FORMAT = 1;
/** A library left by a concurrent or earlier build of the same key may be removed once it is this old. */
const STALE_MS = 60_000;
/** Bytes of diagnostics kept in the error message (all of them are in `diagnostics`). */
const MESSAGE_DIAGNOSTICS = 16_384;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a C source file and opens the result, as `bun:ffi`'s `cc`. A second call with the same source, options,
 * compiler and headers loads the cached build without running the compiler.
 *
 * @example
 * const { symbols: { add }, close } = cc({
 *   source: new URL("./add.c", import.meta.url),
 *   symbols: { add: { args: ["i32", "i32"], returns: "i32" } },
 * });
 * add(1, 2); // 3
 */
export function cc<const Fns extends Record<string, FFIFunction>>(options: CCOptions<Fns>): Library<Fns> {
  try {
    return compileAndOpen(options);
  } catch (e) {
    throw startStackAt(e, cc);
  }
}

interface ReadOptions {
  source: string;
  symbols: Record<string, FFIFunction>;
  args: string[];
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  const list: unknown[] = typeof value === "string" ? [value] : safeIsArray(value) ? Array.from(value as unknown[]) : [value];
  return list.map((item, i) => {
    if (typeof item !== "string") {
      throw invalidArgType(`cc(): ${name}${typeof value === "string" ? "" : `[${i}]`} must be a string. Received ${describeReceived(item)}`);
    }
    noNul(item, name);
    return item;
  });
}

function noNul(s: string, name: string): void {
  if (s.includes("\0")) throw invalidArgValue(`cc(): ${name} must not contain NUL bytes. Received ${describeReceived(s)}`);
}

function sourcePath(source: unknown): string {
  let p: string;
  if (source instanceof URL) {
    if (source.protocol !== "file:") throw invalidArgValue(`cc(): source must be a path or a file: URL. Received ${source.href}`);
    p = fileURLToPath(source);
  } else if (typeof source === "string") {
    p = source.startsWith("file:") ? fileURLToPath(source) : source;
  } else {
    throw invalidArgType(`cc(): source must be a path (string) or a file: URL. Received ${describeReceived(source)}`);
  }
  if (p.trim() === "") throw invalidArgValue("cc(): source must not be empty");
  noNul(p, "source");
  return resolve(p);
}

/** Reads and checks every option once; returns the source path and the compiler arguments they make. */
function readOptions(options: unknown): ReadOptions {
  if (options === null || typeof options !== "object") {
    throw invalidArgType(`cc(): argument 1 must be an object like { source, symbols }. Received ${describeReceived(options)}`);
  }
  const { source, symbols, library, include, define, flags } = options as Record<string, unknown>;
  const file = sourcePath(source);
  if (symbols === null || typeof symbols !== "object") {
    throw invalidArgType(`cc(): symbols must be an object. Received ${describeReceived(symbols)}`);
  }
  const names = Object.keys(symbols);
  if (names.length === 0) throw invalidArgType("Expected at least one symbol");
  const decls: Record<string, FFIFunction> = {};
  for (const name of names) {
    const decl = (symbols as Record<string, unknown>)[name];
    resolveSignature(decl, `cc(): symbol "${name}"`); // declaration errors before any compiler runs
    decls[name] = decl as FFIFunction;
  }
  const args: string[] = [];
  for (const dir of stringList(include, "include")) args.push(`-I${dir}`);
  if (define !== undefined && define !== null) {
    if (typeof define !== "object" || safeIsArray(define)) {
      throw invalidArgType(`cc(): define must be an object of name: value strings. Received ${describeReceived(define)}`);
    }
    for (const key of Object.keys(define)) {
      if (!IDENTIFIER.test(key)) {
        throw invalidArgValue(`cc(): define key ${JSON.stringify(key)} is not a C macro name (letters, digits and _, not starting with a digit)`);
      }
      const value = (define as Record<string, unknown>)[key];
      if (typeof value !== "string") throw invalidArgType(`cc(): define.${key} must be a string. Received ${describeReceived(value)}`);
      noNul(value, `define.${key}`);
      if (/[\r\n]/.test(value)) throw invalidArgValue(`cc(): define.${key} must be one line (a macro definition cannot hold a line break)`);
      args.push(`-D${key}=${value}`);
    }
  }
  const flagList = typeof flags === "string" ? flags.split(/\s+/).filter((f) => f !== "") : stringList(flags, "flags");
  for (const flag of flagList) {
    noNul(flag, "flags");
    if (/^-o/.test(flag) || flag === "-MF" || flag === "-E" || flag === "-c" || flag === "-S") {
      throw invalidArgValue(`cc(): flags must not choose the output (${JSON.stringify(flag)}): cc() decides where the library goes`);
    }
    args.push(flag);
  }
  const libraries = stringList(library, "library").map((l) => {
    if (l === "") throw invalidArgValue("cc(): library names must not be empty");
    return `-l${l}`;
  });
  return { source: file, symbols: decls, args: [...args, ...libraries] };
}

interface Compiler {
  /** The program run (a path) and the arguments `$CC` put before ours. */
  readonly program: string;
  readonly prefix: readonly string[];
  /** What identifies this compiler binary: its real path, size, modification time and inode. */
  readonly identity: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  if (name.includes("/")) {
    const p = resolve(name);
    return isExecutableFile(p) ? p : undefined;
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** `$CC` (split at whitespace: a program and its arguments), then `cc`, `gcc`, `clang` on PATH. */
function findCompiler(): Compiler {
  const tried: string[] = [];
  const candidates: Array<[string, string[]]> = [];
  const env = process.env.CC?.trim();
  if (env) {
    const [program, ...prefix] = env.split(/\s+/);
    candidates.push([program!, prefix]);
  }
  for (const name of ["cc", "gcc", "clang"]) candidates.push([name, []]);
  for (const [name, prefix] of candidates) {
    const found = findOnPath(name);
    if (found === undefined) {
      tried.push(name === candidates[0]![0] && env ? `$CC (${name})` : name);
      continue;
    }
    const real = realpathSync(found);
    const st = statSync(real);
    return { program: found, prefix, identity: JSON.stringify([found, real, st.size, st.mtimeMs, st.ino, prefix]) };
  }
  throw new FFIError(
    "ERR_FFI_CC_UNAVAILABLE",
    `cc(): no C compiler found (tried ${tried.join(", ")} on PATH). Install one (gcc or clang), or set CC to its path`,
  );
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The cache folder, created private to the user; undefined if it cannot be created. */
function cacheDirectory(): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  const dir = join(base, "ffi-kit", "cc");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
    // Libraries from this folder are loaded into the process: only one that is the user's own and that nobody
    // else can write is trusted.
    const st = statSync(dir);
    if (typeof process.getuid === "function" && st.uid !== process.getuid()) return undefined;
    if ((st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** Writes a file atomically: to a unique temporary name in the same folder, then renamed over the target. */
function writeAtomically(path: string, data: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** The compiler's `--version` output, run once per compiler binary and kept in the cache. */
function compilerVersion(compiler: Compiler, dir: string | undefined): string {
  const file = dir === undefined ? undefined : join(dir, `compiler-${sha256(compiler.identity).slice(0, 32)}.version`);
  if (file !== undefined) {
    try {
      return readFileSync(file, "utf8");
    } catch {
      // not known yet
    }
  }
  const r = spawnSync(compiler.program, [...compiler.prefix, "--version"], { encoding: "utf8", timeout: 60_000 });
  if (r.error !== undefined || r.status !== 0) {
    throw new FFIError(
      "ERR_FFI_CC_UNAVAILABLE",
      `cc(): the C compiler ${compiler.program} does not run (\`--version\` ${r.error ? `failed: ${r.error.message}` : `exited with ${r.status ?? r.signal}`})`,
      { cause: r.error },
    );
  }
  const version = `${r.stdout}${r.stderr}`;
  if (file !== undefined) {
    try {
      writeAtomically(file, version);
    } catch {
      // a read-only cache still compiles
    }
  }
  return version;
}

interface Manifest {
  readonly format: number;
  readonly library: string;
  readonly libraryHash: string;
  readonly deps: ReadonlyArray<readonly [path: string, hash: string]>;
}

function hashFile(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The library of a cache entry whose headers and library are unchanged, or undefined. */
function cachedLibrary(dir: string, key: string): string | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest?.format !== CACHE_FORMAT || typeof manifest.library !== "string" || !safeIsArray(manifest.deps)) return undefined;
  if (!/^[0-9a-f]+-[0-9a-f]+\.\w+$/.test(manifest.library)) return undefined;
  for (const dep of manifest.deps) {
    if (!safeIsArray(dep) || hashFile(String(dep[0])) !== dep[1]) return undefined;
  }
  const library = join(dir, manifest.library);
  return hashFile(library) === manifest.libraryHash ? library : undefined;
}

/** The files a `-MD` dependency file lists (make syntax: `target: dep dep \` with `\ ` for spaces). */
function parseDependencies(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const tokens = joined.split(/(?<!\\)\s+/).filter((t) => t !== "");
  const start = tokens.findIndex((t) => t.endsWith(":"));
  return tokens.slice(start + 1).map((t) => t.replace(/\\ /g, " ").replace(/\\#/g, "#").replace(/\$\$/g, "$"));
}

/** Runs the compiler; throws `ERR_FFI_CC_COMPILE` with its diagnostics when it fails. */
function runCompiler(compiler: Compiler, source: string, args: readonly string[], output: string, depfile: string): void {
  const argv = [...compiler.prefix, "-shared", "-fPIC", "-O2", "-MD", "-MF", depfile, "-o", output, ...args.filter((a) => !a.startsWith("-l")), source, ...args.filter((a) => a.startsWith("-l"))];
  const r = spawnSync(compiler.program, argv, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new FFIError("ERR_FFI_CC_UNAVAILABLE", `cc(): the C compiler ${compiler.program} could not be run: ${r.error.message}`, { cause: r.error });
  }
  if (r.error !== undefined || r.status !== 0) {
    const diagnostics = `${r.stderr ?? ""}${r.stdout ?? ""}`;
    const how = r.error !== undefined ? r.error.message : r.status === null ? `killed by ${r.signal}` : `exit code ${r.status}`;
    const shown = diagnostics.length > MESSAGE_DIAGNOSTICS ? `${diagnostics.slice(0, MESSAGE_DIAGNOSTICS)}\n[... ${diagnostics.length - MESSAGE_DIAGNOSTICS} more characters in .diagnostics]` : diagnostics;
    const error = new FFIError("ERR_FFI_CC_COMPILE", `cc(): ${compiler.program} could not compile ${source} (${how}):\n${shown.trimEnd()}`, { cause: r.error });
    Object.defineProperty(error, "diagnostics", { value: diagnostics, enumerable: true });
    throw error;
  }
}

/** Removes libraries of `key` that the manifest no longer names and that are old enough not to be in use by a build. */
function removeStale(dir: string, key: string, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (name === keep || !name.startsWith(`${key}-`)) continue;
    try {
      const path = join(dir, name);
      if (now - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
    } catch {
      // removed by another process
    }
  }
}

/** Compiles `source` into the cache (or a private folder when there is no cache); returns the library's path. */
function build(compiler: Compiler, dir: string, key: string, source: string, sourceHash: string, args: readonly string[]): string {
  const name = `${key}-${randomBytes(8).toString("hex")}.${suffix}`;
  const output = join(dir, name);
  const depfile = `${output}.d`;
  try {
    runCompiler(compiler, source, args, output, depfile);
    let deps: string[] = [];
    try {
      deps = parseDependencies(readFileSync(depfile, "utf8"));
    } catch {
      // no dependency file: the source alone (in the key) decides
    }
    const manifest: Manifest = {
      format: CACHE_FORMAT,
      library: name,
      libraryHash: hashFile(output) ?? "",
      deps: deps.map((d) => {
        const path = resolve(d);
        return [path, path === source ? sourceHash : (hashFile(path) ?? "")] as const;
      }),
    };
    writeAtomically(join(dir, `${key}.json`), JSON.stringify(manifest));
  } catch (e) {
    try {
      unlinkSync(output);
    } catch {
      // never written
    }
    throw e;
  } finally {
    try {
      unlinkSync(depfile);
    } catch {
      // never written
    }
  }
  removeStale(dir, key, name);
  return output;
}

function compileAndOpen<const Fns extends Record<string, FFIFunction>>(options: CCOptions<Fns>): Library<Fns> {
  const { source, symbols, args } = readOptions(options);
  let sourceText: Buffer;
  try {
    if (!statSync(source).isFile()) throw new Error("not a regular file");
    sourceText = readFileSync(source);
  } catch (e) {
    throw invalidArgValue(`cc(): cannot read source ${source}: ${(e as Error).message}`);
  }
  const compiler = findCompiler();
  const shared = cacheDirectory();
  const version = compilerVersion(compiler, shared);
  const sourceHash = sha256(sourceText);
  const key = sha256(
    JSON.stringify([CACHE_FORMAT, process.platform, process.arch, compiler.identity, version, source, sourceHash, args]),
  ).slice(0, 40);
  let library = shared === undefined ? undefined : cachedLibrary(shared, key);
  let dir = shared;
  if (dir === undefined) {
    // No writable cache: build in a private temporary folder (compiled again next time).
    dir = mkdtempSync(join(tmpdir(), "ffi-kit-cc-"));
  }
  try {
    for (let attempt = 0; ; attempt++) {
      library ??= build(compiler, dir, key, source, sourceHash, args);
      try {
        return open(library, symbols as Fns, source);
      } catch (e) {
        // A cached library removed by another process between the check and the load: build it once more.
        if (attempt === 0 && (e as { code?: string })?.code === "ERR_DLOPEN_FAILED") {
          library = undefined;
          continue;
        }
        throw e;
      }
    }
  } finally {
    // The private folder is not a cache: once the library is loaded (its mapping outlives the file), it goes.
    if (shared === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function open<const Fns extends Record<string, FFIFunction>>(library: string, symbols: Fns, source: string): Library<Fns> {
  try {
    return dlopen(library, symbols);
  } catch (e) {
    const m = /^Symbol "(.*)" not found in /.exec(String((e as Error)?.message));
    if (m) {
      throw new FFIError("ERR_FFI_SYMBOL_NOT_FOUND", `cc(): symbol "${m[1]}" is missing from ${source} (is it static, or misspelled?)`, { cause: e });
    }
    throw e;
  }
}
