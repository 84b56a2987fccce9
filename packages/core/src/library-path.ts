/**
 * Turns what a user gave `dlopen` into something the system loader opens: `file:` URLs, paths relative to the
 * current directory, and bare `libfoo.so` names that only exist as development symlinks or linker scripts
 * (Debian's `libc.so` is a text file) resolved through the loader cache, as a user would expect.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeReceived, invalidArgType, invalidArgValue } from "./errors.js";

/** The platform's shared library extension, without a dot: `"so"`, `"dylib"` or `"dll"`. */
export const suffix: "so" | "dylib" | "dll" =
  process.platform === "darwin" ? "dylib" : process.platform === "win32" ? "dll" : "so";

/** Normalises the `path` argument of `dlopen` (or of `site`) to a string; rejects empty and non-path values. */
export function libraryPathArgument(path: unknown, site = "dlopen()"): string {
  let p: string;
  if (path instanceof URL) {
    if (path.protocol !== "file:") throw invalidArgValue(`${site}: only file: URLs can be opened. Received ${path.href}`);
    p = fileURLToPath(path);
  } else if (typeof path === "string") {
    p = path.startsWith("file:") ? fileURLToPath(path) : path;
  } else {
    throw invalidArgType(`${site}: argument 1 (path) must be a string or URL. Received ${describeReceived(path)}`);
  }
  if (p.trim() === "") {
    // koffi (and dlopen) treat an empty path as "the main program": never what a user meant.
    throw invalidArgValue(`${site}: argument 1 (path) must not be empty`);
  }
  if (p.includes("\0")) throw invalidArgValue(`${site}: argument 1 (path) must not contain NUL bytes`);
  return p;
}

let loaderCache: string[] | undefined;
function loaderCacheLines(): string[] {
  if (loaderCache === undefined) {
    loaderCache = [];
    for (const cmd of ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"]) {
      const out = spawnSync(cmd, ["-p"], { encoding: "utf8" });
      if (out.status === 0 && out.stdout) {
        loaderCache = out.stdout.split("\n");
        break;
      }
    }
  }
  return loaderCache;
}

const archTag: Record<string, string> = { x64: "x86-64", arm64: "AArch64", ia32: "", arm: "hard-float", riscv64: "riscv" };

/**
 * Other names worth trying when `path` did not open: the path resolved against the current directory, and for a
 * bare `libfoo.so` the versioned names the loader cache knows (`libfoo.so.6`).
 */
export function alternativePaths(path: string): string[] {
  const out: string[] = [];
  if (!isAbsolute(path)) {
    const local = resolve(path);
    if (existsSync(local)) out.push(local);
  }
  if (process.platform === "linux" && !path.includes("/") && /\.so$/.test(path)) {
    const tag = archTag[process.arch] ?? "";
    for (const line of loaderCacheLines()) {
      const m = /^\s+(\S+) \(([^)]*)\) => (\S+)$/.exec(line);
      if (m && m[1]!.startsWith(`${path}.`) && (tag === "" || m[2]!.includes(tag))) out.push(m[3]!);
    }
  }
  return out;
}
