/**
 * What a target library was built with, read from its ELF dynamic section (no process is started): the
 * SanitizerCoverage callbacks it calls (clang's -fsanitize=fuzzer-no-link, gcc's -fsanitize-coverage=trace-pc),
 * whether it was built with AddressSanitizer, and where the runtimes the fuzzer's child preloads are.
 */
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FFIError } from "./errors.js";

/** What {@link inspectLibrary} found. */
export interface Instrumentation {
  /** The file is an ELF shared object this parser read. */
  readonly elf: boolean;
  /** Undefined `__sanitizer_cov_*` symbols the library calls. */
  readonly coverageSymbols: readonly string[];
  /** Edge counters: inline 8-bit counters, pc guards, or gcc's trace-pc. */
  readonly coverage: boolean;
  /** Comparisons are traced (trace-cmp). */
  readonly traceCmp: boolean;
  /** Built with AddressSanitizer (calls `__asan_*`). */
  readonly asan: boolean;
  /** The libraries it needs (DT_NEEDED). */
  readonly needed: readonly string[];
}

const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const DT_NEEDED = 1;

function readAt(fd: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

/**
 * Reads the dynamic symbols and needed libraries of a 64-bit little-endian ELF shared object (Linux x64/arm64).
 * Anything else (another format, a truncated file) reads as "not instrumented", `elf: false`.
 */
export function inspectLibrary(path: string): Instrumentation {
  const none: Instrumentation = { elf: false, coverageSymbols: [], coverage: false, traceCmp: false, asan: false, needed: [] };
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return none;
  }
  try {
    const size = statSync(path).size;
    const h = readAt(fd, 0, 64);
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return none;
    const shoff = Number(h.readBigUInt64LE(0x28));
    const shentsize = h.readUInt16LE(0x3a);
    const shnum = h.readUInt16LE(0x3c);
    if (shoff <= 0 || shentsize < 64 || shnum === 0 || shoff + shnum * shentsize > size) return none;
    const sh = readAt(fd, shoff, shnum * shentsize);
    const section = (i: number) => ({
      type: sh.readUInt32LE(i * shentsize + 4),
      offset: Number(sh.readBigUInt64LE(i * shentsize + 0x18)),
      size: Number(sh.readBigUInt64LE(i * shentsize + 0x20)),
      link: sh.readUInt32LE(i * shentsize + 0x28),
      entsize: Number(sh.readBigUInt64LE(i * shentsize + 0x38)),
    });
    const undefinedNames: string[] = [];
    const needed: string[] = [];
    const strtab = (i: number) => {
      const s = section(i);
      if (s.offset + s.size > size || s.size > 64 << 20) return Buffer.alloc(0);
      return readAt(fd, s.offset, s.size);
    };
    const cstr = (tab: Buffer, at: number) => {
      const end = tab.indexOf(0, at);
      return tab.toString("latin1", at, end < 0 ? tab.length : end);
    };
    for (let i = 0; i < shnum; i++) {
      const s = section(i);
      if (s.offset + s.size > size || s.size > 64 << 20) continue;
      if (s.type === SHT_DYNSYM && s.entsize >= 24 && s.link < shnum) {
        const names = strtab(s.link);
        const syms = readAt(fd, s.offset, s.size);
        for (let at = 0; at + 24 <= syms.length; at += s.entsize) {
          const shndx = syms.readUInt16LE(at + 6);
          if (shndx !== 0) continue;
          const name = cstr(names, syms.readUInt32LE(at));
          if (name.startsWith("__sanitizer_cov_") || name.startsWith("__asan_") || name === "__sancov_lowest_stack") undefinedNames.push(name);
        }
      } else if (s.type === SHT_DYNAMIC && s.link < shnum) {
        const names = strtab(s.link);
        const dyn = readAt(fd, s.offset, s.size);
        for (let at = 0; at + 16 <= dyn.length; at += 16) {
          const tag = dyn.readBigInt64LE(at);
          if (tag === 0n) break;
          if (tag === BigInt(DT_NEEDED)) needed.push(cstr(names, Number(dyn.readBigUInt64LE(at + 8))));
        }
      }
    }
    const coverageSymbols = undefinedNames.filter((n) => n.startsWith("__sanitizer_cov_")).sort();
    const counters = ["__sanitizer_cov_8bit_counters_init", "__sanitizer_cov_trace_pc_guard", "__sanitizer_cov_trace_pc_guard_init", "__sanitizer_cov_trace_pc"];
    return {
      elf: true,
      coverageSymbols,
      coverage: coverageSymbols.some((n) => counters.includes(n)),
      traceCmp: coverageSymbols.some((n) => n.includes("_cmp") || n.includes("switch")),
      asan: undefinedNames.some((n) => n.startsWith("__asan_")) || needed.some((n) => /^libasan\.so/.test(n)),
      needed,
    };
  } catch {
    return none;
  } finally {
    closeSync(fd);
  }
}

const ext = process.platform === "darwin" ? "dylib" : "so";
const RUNTIME = `libffikit-sancov.${ext}`;
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const RUNTIME_SOURCE = join(packageDir, "native", "sancov-runtime.c");

let runtimePath: string | undefined;

/**
 * The coverage runtime to preload: the repository's build, the prebuilt one the package ships for this platform,
 * else compiled once from native/sancov-runtime.c with `cc` into a per-user cache folder.
 */
export function coverageRuntime(): string {
  if (runtimePath !== undefined) return runtimePath;
  const candidates = [join(packageDir, "build", RUNTIME), join(packageDir, "prebuilds", `${process.platform}-${process.arch}`, RUNTIME)];
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return (runtimePath = found);
  let uid = "user";
  try {
    uid = String(userInfo().uid);
  } catch {
    // no user entry
  }
  const cache = join(tmpdir(), `ffi-kit-fuzz-${uid}`);
  const cached = join(cache, RUNTIME);
  if (existsSync(cached) && existsSync(RUNTIME_SOURCE) && statSync(cached).mtimeMs >= statSync(RUNTIME_SOURCE).mtimeMs) return (runtimePath = cached);
  const cc = process.env.CC || "cc";
  try {
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const partial = join(cache, `${RUNTIME}.${process.pid}.tmp`);
    execFileSync(cc, ["-O2", "-shared", "-fPIC", "-fno-builtin", "-o", partial, RUNTIME_SOURCE, "-ldl"], { stdio: ["ignore", "ignore", "pipe"] });
    renameSync(partial, cached);
  } catch (error) {
    throw new FFIError(
      "ERR_FFI_FUZZ_NO_COVERAGE",
      `Coverage-guided fuzzing needs ffi-kit's coverage runtime (${RUNTIME}): no prebuilt one for ${process.platform}-${process.arch}, and \`${cc}\` could not compile it from ${RUNTIME_SOURCE} (${(error as Error).message.split("\n")[0]}). Install a C compiler, or fuzz with coverage: false`,
    );
  }
  return (runtimePath = cached);
}

/** Where the AddressSanitizer runtime a library needs is (to preload it first in the child), or an error saying how to get it. */
export function asanRuntime(info: Instrumentation, library: string): string {
  const gccNeeded = info.needed.find((n) => /^libasan\.so/.test(n));
  const tries: Array<[string, string]> = gccNeeded
    ? [["gcc", gccNeeded], ["cc", gccNeeded]]
    : [["clang", `libclang_rt.asan-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so`], ["clang-14", `libclang_rt.asan-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so`]];
  for (const [compiler, file] of tries) {
    try {
      const p = execFileSync(compiler, [`-print-file-name=${file}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (p !== file && existsSync(p)) return p;
    } catch {
      // compiler missing
    }
  }
  throw new FFIError(
    "ERR_FFI_FUZZ_NO_COVERAGE",
    `${basename(library)} is built with AddressSanitizer, whose runtime must be loaded first in the fuzzing child, but ${gccNeeded ?? "libclang_rt.asan"} was not found (looked with ${tries.map((t) => `${t[0]} -print-file-name=${t[1]}`).join(", ")}). Install ${gccNeeded ? "gcc's libasan" : "clang and libclang-rt-dev"}, or rebuild without -fsanitize=address`,
  );
}
