// Every package works from its packed tarball in an app outside the repository.
//
// The packages are packed once with `pnpm pack` (which replaces `workspace:*` ranges and runs each package's
// prepack: prebuilt addons into prebuilds/). The tarballs are installed into two fresh apps in the OS temp folder,
// one with npm and one with pnpm's defaults (no dependency build scripts), with a PATH that holds only `node`,
// `npm` and `pnpm`: no compiler, Python or make can be used by the install or by anything run there. The C
// libraries the checks need (a pthread producer, a library with a planted crash) are compiled here with `cc`
// first. A README sample that compiles C itself gets the system PATH for that one run (none does today: they use
// libc). Every child process must exit by itself: each one has a timeout, and a timeout fails the test.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const packages = ["core", "memory", "callbacks", "bindgen", "fuzz", "bench"];
const work = mkdtempSync(join(tmpdir(), "ffi-kit-install-"));
const tarballs = join(work, "tarballs");
const bin = join(work, "bin");
const libs = join(work, "libs");

/** The environment of every child: no npm/pnpm variables of the test run, PATH as given. */
function env(path: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|INIT_CWD$)/.test(k)) e[k] = v;
  e.PATH = path;
  return e;
}

interface Run extends SpawnSyncReturns<string> {
  command: string;
}

/** Runs a command; fails the test if it does not exit by itself within `timeout` ms. */
function run(command: string, args: string[], cwd: string, options: { timeout?: number; path?: string } = {}): Run {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: env(options.path ?? bin), timeout: options.timeout ?? 60_000, killSignal: "SIGKILL" });
  const result = Object.assign(r, { command: `${command} ${args.join(" ")}` });
  expect(r.error, `${result.command} did not exit by itself (${r.error?.message})\n${r.stdout}\n${r.stderr}`).toBeUndefined();
  expect(r.signal, `${result.command} was killed by ${r.signal}\n${r.stdout}\n${r.stderr}`).toBeNull();
  return result;
}

function ok(r: Run): Run {
  expect(r.status, `${r.command} exited with ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  return r;
}

const lastJson = (r: Run) => JSON.parse(r.stdout.trim().split("\n").pop()!);

/** The first fenced code block of a package's README: the sample a new user copies first. */
function firstSample(pkg: string): { lang: string; code: string } {
  const readme = readFileSync(join(repo, "packages", pkg, "README.md"), "utf8");
  const m = /^```(\w*)[^\n]*\n([\s\S]*?)^```/m.exec(readme);
  if (!m) throw new Error(`packages/${pkg}/README.md has no code sample`);
  return { lang: m[1]!, code: m[2]! };
}

/** npm beside the running Node, else the first on PATH (a Node tarball without npm, run with another's npm). */
function findNpm(): string {
  for (const dir of [dirname(process.execPath), ...(process.env.PATH ?? "").split(":")]) {
    if (dir && existsSync(join(dir, "npm"))) return join(dir, "npm");
  }
  throw new Error("npm was not found beside node or on PATH");
}

const pnpmBin = join(repo, "node_modules", "pnpm", "bin", "pnpm.cjs");

beforeAll(() => {
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(bin, { recursive: true });
  mkdirSync(libs, { recursive: true });
  // PATH for everything below: node, npm and pnpm, nothing else.
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync(realpathSync(findNpm()), join(bin, "npm")); // npm-cli.js runs on the `node` of this PATH

  symlinkSync(pnpmBin, join(bin, "pnpm"));
  for (const c of ["producer", "crashing"]) {
    ok(run("cc", ["-O1", "-shared", "-fPIC", "-o", join(libs, `lib${c}.so`), join(here, "fixtures", `${c}.c`), "-lpthread"], here, { path: process.env.PATH! }));
  }
  // The coverage-guided mode's fixture: clang's SanitizerCoverage (CI installs clang; the fuzz package's own tests
  // need it too).
  ok(run("clang", ["-O1", "-g", "-shared", "-fPIC", "-fsanitize=fuzzer-no-link", "-o", join(libs, "libkeyed.so"), join(here, "fixtures", "keyed.c")], here, { path: process.env.PATH! }));
  // Pack once for both apps. prepack needs the build (dist/) and makes the prebuilds; the system PATH is kept for
  // it (it may compile the addons).
  const started = Date.now();
  for (const p of packages) {
    const r = run(process.execPath, [pnpmBin, "pack", "--pack-destination", tarballs], join(repo, "packages", p), { path: process.env.PATH!, timeout: 240_000 });
    ok(r);
  }
  console.log(`packed ${packages.length} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 400_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const tarball = (p: string) => {
  const f = readdirSync(tarballs).find((f) => f.startsWith(`ffi-kit-${p}-`) && f.endsWith(".tgz"));
  if (!f) throw new Error(`no tarball for ${p} in ${tarballs}`);
  return join(tarballs, f);
};

describe("tarballs", () => {
  it("carry LICENSE, README, dist, the prebuilt linux-x64 addons and libbench, and no workspace: ranges", () => {
    for (const p of packages) {
      const list = run("tar", ["tzf", tarball(p)], work, { path: process.env.PATH! }).stdout.split("\n");
      expect(list, p).toContain("package/LICENSE");
      expect(list, p).toContain("package/README.md");
      expect(list, p).toContain("package/dist/index.js");
      const manifest = run("tar", ["xzf", tarball(p), "-O", "package/package.json"], work, { path: process.env.PATH! }).stdout;
      expect(manifest, p).not.toContain("workspace:");
      const json = JSON.parse(manifest);
      expect(json.engines.node, p).toBe("^20.19.0 || >=22.12.0");
      expect(json.repository, p).toEqual({ type: "git", url: "git+https://github.com/ffi-kit/ffi-kit.git", directory: `packages/${p}` });
      if (["memory", "callbacks", "bench"].includes(p)) {
        expect(list.some((f) => /^package\/prebuilds\/linux-x64\/.+\.napi\.glibc\.node$/.test(f)), `${p}: ${list.join(" ")}`).toBe(true);
        expect(json.scripts.install, p).toBe("node install.cjs");
        expect(list, p).toContain("package/install.cjs");
        expect(list, p).toContain("package/binding.gyp");
        expect(Object.keys(json.dependencies), p).toEqual(expect.arrayContaining(["node-gyp-build", "node-addon-api"]));
      }
    }
    expect(run("tar", ["tzf", tarball("bench")], work, { path: process.env.PATH! }).stdout).toContain("package/prebuilds/linux-x64/libbench.so");
  });

  it("@ffi-kit/fuzz carries its prebuilt coverage runtime (libffikit-sancov.so) and the runtime's source", () => {
    const list = run("tar", ["tzf", tarball("fuzz")], work, { path: process.env.PATH! }).stdout.split("\n");
    expect(list).toContain("package/prebuilds/linux-x64/libffikit-sancov.so");
    expect(list).toContain("package/native/sancov-runtime.c");
    expect(list.some((f) => f.startsWith("package/build/")), list.join(" ")).toBe(false);
  });
});

for (const manager of ["npm", "pnpm"] as const) {
  describe(`installed with ${manager}${manager === "pnpm" ? " (defaults: dependencies' build scripts do not run)" : ""}, no compiler on PATH`, () => {
    const app = join(work, `app-${manager}`);

    beforeAll(() => {
      const started = Date.now();
      mkdirSync(app, { recursive: true });
      for (const f of readdirSync(join(here, "app"))) cpSync(join(here, "app", f), join(app, f));
      const files = Object.fromEntries(packages.map((p) => [`@ffi-kit/${p}`, `file:${tarball(p)}`]));
      const manifest: Record<string, unknown> = { name: `ffi-kit-install-${manager}`, private: true, type: "module" };
      if (manager === "npm") {
        writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));
        // npm runs scripts through `sh` from PATH unless told which shell: /bin/sh, so that PATH stays node + npm.
        ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--script-shell=/bin/sh", ...packages.map(tarball)], app, { timeout: 300_000 }));
      } else {
        // The tarballs depend on each other by version (pnpm pack wrote 0.1.0 for workspace:*): point those at the
        // tarballs too, since the versions are not on the registry.
        writeFileSync(join(app, "package.json"), JSON.stringify({ ...manifest, dependencies: files, pnpm: { overrides: files } }, null, 2));
        ok(run("pnpm", ["install", "--no-frozen-lockfile", "--prefer-offline", "--reporter=append-only"], app, { timeout: 300_000 }));
      }
      console.log(`${manager} install: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, 320_000);

    /** The file a package's bin entry names (pnpm's .bin shims are shell scripts that need coreutils on PATH). */
    const binOf = (pkg: string, name: string) => {
      const dir = realpathSync(join(app, "node_modules", "@ffi-kit", pkg));
      return join(dir, JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).bin[name]);
    };

    it("installed the prebuilt addons (nothing was compiled)", () => {
      for (const p of ["memory", "callbacks", "bench"]) {
        const dir = realpathSync(join(app, "node_modules", "@ffi-kit", p));
        expect(readdirSync(join(dir, "prebuilds", "linux-x64")).some((f) => f.endsWith(".node")), p).toBe(true);
        expect(existsSync(join(dir, "build", "Release")), `${p} has a build/Release: something compiled`).toBe(false);
      }
    });

    for (const p of packages) {
      it(`runs the first sample of ${p}'s README as written`, () => {
        const { lang, code } = firstSample(p);
        expect(["js", "mjs", "javascript"], `the first sample of packages/${p}/README.md must be JavaScript, got ${lang}`).toContain(lang);
        const file = join(app, `readme-${p}.mjs`);
        writeFileSync(file, code);
        // A sample that compiles its own C library gets the compiler for that run only.
        const compiles = /execFileSync\(\s*["']cc["']/.test(code);
        const r = ok(run(process.execPath, [file], app, { timeout: 120_000, ...(compiles ? { path: `${bin}:${process.env.PATH}` } : {}) }));
        expect(r.stdout.trim().length, `${p}'s sample printed nothing`).toBeGreaterThan(0);
      });
    }

    it("own() with a native free and the 5-argument toArrayBuffer", () => {
      const out = lastJson(ok(run(process.execPath, ["own.mjs"], app)));
      expect(out).toMatchObject({ first: 0x5a, length: 64, disposedOwn: true, freedOwn: true, abLength: 32, abSum: 96, disposedAb: true, again: false });
      expect(out.stats.live).toBe(0);
    });

    it("a threadsafe: true JSCallback flooded from 4 pthreads delivers every call, in order per thread", () => {
      const out = lastJson(ok(run(process.execPath, ["flood.mjs", join(libs, "libproducer.so"), "4", "50000"], app, { timeout: 90_000 })));
      expect(out).toEqual({ started: 4, made: 200_000, received: 200_000, outOfOrder: 0 });
    });

    it("bind() against libc: a struct returned by value, validation errors", () => {
      const out = lastJson(ok(run(process.execPath, ["bind.mjs"], app)));
      expect(out).toEqual({ div: { quot: 3, rem: 2 }, abs: 42, error: { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" } });
    });

    it("the bindgen CLI turns .bind.ts and .bind.mjs schemas into modules that work", () => {
      const dir = join(app, "schemas");
      mkdirSync(dir, { recursive: true });
      cpSync(join(app, "libc.bind.ts"), join(dir, "libc.bind.ts"));
      cpSync(join(app, "libm.bind.mjs"), join(dir, "libm.bind.mjs"));
      ok(run(process.execPath, [binOf("bindgen", "ffi-kit-bindgen"), "schemas"], app));
      expect(existsSync(join(dir, "libc.gen.ts"))).toBe(true);
      expect(existsSync(join(dir, "libm.gen.ts"))).toBe(true);
      ok(run(process.execPath, [binOf("bindgen", "ffi-kit-bindgen"), "schemas", "--check"], app));
      const out = lastJson(ok(run(process.execPath, ["run-generated.mjs", dir], app)));
      expect(out).toEqual({ abs: 7, labs: String(2n ** 40n), sqrt: 1.5, exportsOpen: true });
    });

    it("ffi-kit-fuzz run finds the crash (divide by zero), shrinks it and exits 1", () => {
      const r = run(
        process.execPath,
        [binOf("fuzz", "ffi-kit-fuzz"), "run", "--library", join(libs, "libcrashing.so"), "--symbol", "divide", "--args", "i32,i32", "--returns", "i32", "--seed", "1", "--runs", "500"],
        app,
        { timeout: 120_000 },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/FAILED \(crash, SIGFPE\)/);
      expect(r.stdout + r.stderr).toMatch(/minimal input: +divide\(0, 0\)/);
    });

    it("ffi-kit-fuzz run --coverage on fuzzes a SanitizerCoverage build with the prebuilt runtime: finds the one 32-bit key, exits 1", () => {
      // PATH holds no compiler: the runtime cannot be compiled here, the prebuilt one must be found.
      const r = run(
        process.execPath,
        [binOf("fuzz", "ffi-kit-fuzz"), "run", "--library", join(libs, "libkeyed.so"), "--symbol", "unlock", "--args", "u32", "--returns", "i32", "--coverage", "on", "--seed", "1", "--runs", "300"],
        app,
        { timeout: 120_000 },
      );
      const out = r.stdout + r.stderr;
      expect(r.status, out).toBe(1);
      expect(out).toMatch(/\(coverage\)/);
      expect(out).toMatch(/FAILED \(crash, SIGABRT\)/);
      expect(out).toMatch(/minimal input: +unlock\(1592594996\)/);
      expect(out).toMatch(/coverage: [1-9]\d* of [1-9]\d* edges/);
    });

    it("ffi-kit-bench --help", () => {
      const r = ok(run(process.execPath, [binOf("bench", "ffi-kit-bench"), "--help"], app));
      expect(r.stdout).toMatch(/^usage: ffi-kit-bench <run\|compare\|ci\b/);
      expect(r.stdout).toContain("--out-dir");
    });

    it("require('@ffi-kit/core') from CommonJS", () => {
      const out = lastJson(ok(run(process.execPath, ["require-core.cjs"], app)));
      expect(out).toEqual({ sqrt: 9, memory: "function" });
    });
  });
}

// The folder the app lives in must be outside the repository, or the packages could resolve to the workspace.
it("the apps live outside the repository", () => {
  expect(realpathSync(work).startsWith(realpathSync(repo))).toBe(false);
  expect(statSync(work).isDirectory()).toBe(true);
});
