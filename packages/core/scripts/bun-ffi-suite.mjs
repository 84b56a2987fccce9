#!/usr/bin/env node
/**
 * Runs Bun's own FFI tests (`test/js/bun/ffi/*.test.*` of the oven-sh/bun repository) on Node against
 * @ffi-kit/core, with only the import swapped.
 *
 *   node packages/core/scripts/bun-ffi-suite.mjs <folder with Bun's test files and C fixtures>
 *
 * Bun's files are not part of this repository: fetch them into a folder of your own (outside the clone) and pass
 * it here. The script copies them into a temporary folder, swaps `bun:ffi` for @ffi-kit/core, and provides small
 * stand-ins for `bun:test` (over vitest), `harness`, and the few `Bun.*` helpers the tests use (`Bun.FFI`,
 * `Bun.spawn`, `Bun.spawnSync`, `Bun.which`, `Bun.write`, `Bun.gc`, `Bun.pathToFileURL`). It compiles the C
 * fixture `ffi-test.c` into that temporary folder and points the tests' fixed fixture path at it. Every file
 * runs in its own process (vitest forks), so a crash fails one file.
 *
 * It prints vitest's report, then the counts: passed, failed, skipped by the tests themselves, and the failures
 * that are known not to apply to Node (listed in INAPPLICABLE below, each with its reason). It exits non-zero when
 * an applicable test fails. Needs `pnpm build` first (it runs the built package).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const coreEntry = resolve(here, "../dist/index.js");

/**
 * Tests that cannot apply on Node, by file and full name (a RegExp over "file > describe > test"), with the reason.
 * Everything else must pass.
 */
const INAPPLICABLE = [
  [/ffi-closeCallback(-crash)?\.test\.ts > /, "Bun.FFI.closeCallback is Bun's internal API, not part of bun:ffi's surface"],
  [/ffi-error-messages\.test\.ts > .*closeCallback/, "Bun.FFI.closeCallback is Bun's internal API, not part of bun:ffi's surface"],
  [/ffi\.test\.js > \.ptr is not leaked/, "checks Bun.password.hash/verify, Bun-only APIs"],
  [/ffi\.test\.js > .*can open more than 63 symbols via > Bun\.file/, "Bun.file() is a Bun-only API (dlopen takes strings and URLs here)"],
  [/ffi-viewSource-non-object\.test\.ts > .*returns the generated source for a valid descriptor/, "expects Bun's C glue (\"JSFunctionCall\", \"compiled by JavaScriptCore\"); on Node the glue is the generated JavaScript wrapper"],
  [/ffi-error-messages\.test\.ts > .*threadsafe: true with returns: .* throws at construction/, "ffi-kit supports non-void threadsafe callbacks (the native thread waits for the result), a documented difference"],
  [/ffi-ptr-slice\.test\.ts > /, "expects toArrayBuffer(143) to return a TypeError instead of throwing it; ffi-kit throws, as Bun's own ffi-ptr-low-address and ffi-ptr-smallint tests expect"],
];

const source = process.argv[2];
if (!source || !existsSync(source)) {
  console.error("usage: node packages/core/scripts/bun-ffi-suite.mjs <folder with Bun's test/js/bun/ffi files>");
  process.exit(2);
}
if (!existsSync(coreEntry)) {
  console.error(`${coreEntry} is missing: run \`pnpm build\` first`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "ffi-kit-bun-suite-"));
symlinkSync(join(repo, "node_modules"), join(work, "node_modules"), "dir");

// --- the C fixture, in the temporary folder ------------------------------------------------------------------
// Bun's tests open the fixed path that `make compile-ffi-test` writes (BUN_FIXTURE_PATH): the copies below open
// the fixture built here instead, so nothing is written outside the temporary folder.
const BUN_FIXTURE_PATH = /\/tmp\/bun-ffi-test\./g;
const fixturePrefix = join(work, "bun-ffi-test.");
const bunFfiFixture = ["so", "dylib"].map((ext) => fixturePrefix + ext);
const cc = ["cc", "gcc", "clang"].find((c) => spawnSync(c, ["--version"]).status === 0);
if (existsSync(join(source, "ffi-test.c")) && cc) {
  for (const out of bunFfiFixture) {
    const r = spawnSync(cc, ["-shared", "-fPIC", "-O1", "-o", out, join(source, "ffi-test.c")], { encoding: "utf8" });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(2);
    }
  }
}

// --- the stand-ins ----------------------------------------------------------------------------------------------
writeFileSync(
  join(work, "bun-global.mjs"),
  `import * as FFI from ${JSON.stringify(pathToFileURL(coreEntry).href)};
import { spawn as nodeSpawn, spawnSync as nodeSpawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
function which(cmd) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}
function spawn({ cmd, env, cwd }) {
  const child = nodeSpawn(cmd[0], cmd.slice(1), { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (stream) => { const chunks = []; stream.on("data", (c) => chunks.push(c)); return new Promise((r) => stream.on("end", () => r(Buffer.concat(chunks).toString()))); };
  const out = collect(child.stdout), err = collect(child.stderr);
  const exited = new Promise((r) => child.on("close", (code, signal) => r(code ?? (signal ? 128 : 1))));
  return { stdout: { text: () => out }, stderr: { text: () => err }, exited, kill: () => child.kill(), [Symbol.asyncDispose]: async () => { child.kill(); await exited; } };
}
function spawnSync({ cmd, env, cwd }) {
  const r = nodeSpawnSync(cmd[0], cmd.slice(1), { env, cwd });
  return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr, success: r.status === 0 };
}
// Bun's Buffer has unsuffixed readers (host byte order, little-endian on every platform Bun supports).
for (const [alias, name] of [["readInt32", "readInt32LE"], ["readUInt32", "readUInt32LE"], ["readInt16", "readInt16LE"], ["readUInt16", "readUInt16LE"]]) {
  if (!(alias in Buffer.prototype)) Object.defineProperty(Buffer.prototype, alias, { value: Buffer.prototype[name], configurable: true, writable: true });
}
globalThis.Bun = {
  FFI,
  spawn,
  spawnSync,
  which,
  pathToFileURL,
  gc() { globalThis.gc?.(); },
  async write(path, data) { await writeFile(path, data); },
  // Bun.file() is Bun's file handle; dlopen here takes paths and URLs, so the tests that pass one fail (not applicable).
  file(path) { return { name: path }; },
  sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); },
};
`,
);
writeFileSync(
  join(work, "bun-test.mjs"),
  `import { describe, it, test, expect, beforeAll, afterAll, beforeEach, afterEach, vi } from "vitest";
const runIf = (fn) => (cond) => (cond ? fn : fn.skip);
for (const fn of [describe, it, test]) if (!fn.if) Object.defineProperty(fn, "if", { value: runIf(fn) });
expect.extend({
  toBeArray(received) {
    return { pass: Array.isArray(received), message: () => \`expected \${this.utils.printReceived(received)} \${this.isNot ? "not " : ""}to be an array\` };
  },
});
if (!expect.unreachable) expect.unreachable = (message = "unreachable") => { throw new Error(message); };
const mock = vi.fn;
export { describe, it, test, expect, beforeAll, afterAll, beforeEach, afterEach, mock, vi as jest };
`,
);
// \`bun -e <code>\` as the tests spawn it: the code (Bun runs it as a module that may also use require and top-level
// await) is written to a module file with bun:ffi swapped for @ffi-kit/core, then run by Node with Bun.* set up.
writeFileSync(
  join(work, "bun-cli.mjs"),
  `import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const [flag, code] = process.argv.slice(2);
if (flag !== "-e" || typeof code !== "string") { console.error("bun stand-in: only \\\`bun -e <code>\\\` is supported"); process.exit(2); }
const core = ${JSON.stringify(JSON.stringify(pathToFileURL(coreEntry).href))};
const body = code
  .replace(/require\\((["'])(bun:ffi|@ffi-kit\\/core)\\1\\)/g, "(await import(" + core + "))")
  .replace(/from\\s*(["'])(bun:ffi|@ffi-kit\\/core)\\1/g, "from " + core);
const file = join(${JSON.stringify(work)}, "eval-" + process.pid + "-" + Date.now() + ".mjs");
writeFileSync(file, 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);\\n' + body);
await import(pathToFileURL(file).href);
`,
);
const bunExe = join(work, "bun");
writeFileSync(
  bunExe,
  `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --expose-gc --import ${JSON.stringify(pathToFileURL(join(work, "bun-global.mjs")).href)} ${JSON.stringify(join(work, "bun-cli.mjs"))} "$@"\n`,
);
chmodSync(bunExe, 0o755);
writeFileSync(
  join(work, "harness.mjs"),
  `import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
export const bunEnv = { ...process.env };
export const bunExe = () => ${JSON.stringify(bunExe)};
export const isWindows = process.platform === "win32";
export const isMacOS = process.platform === "darwin";
export const isLinux = process.platform === "linux";
export const isPosix = !isWindows;
export const isArm64 = process.arch === "arm64";
export const isMusl = process.report?.getReport?.().header?.glibcVersionRuntime === undefined && isLinux;
export function tempDirWithFiles(name, files) {
  const dir = mkdtempSync(join(tmpdir(), name + "-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}
export function tempDir(name, files) {
  const dir = tempDirWithFiles(name, files);
  return { path: dir, toString: () => dir, [Symbol.dispose]() { rmSync(dir, { recursive: true, force: true }); } };
}
`,
);

// --- Bun's test files, with the import swapped ------------------------------------------------------------------
const files = readdirSync(source).filter((f) => /\.test\.(ts|js|mjs|tsx)$/.test(f));
for (const f of files) {
  const text = readFileSync(join(source, f), "utf8")
    .replace(/(["'])bun:ffi\1/g, JSON.stringify("@ffi-kit/core"))
    .replace(/import\.meta\.dir\b/g, "new URL('.', import.meta.url).pathname.replace(/\\/$/, '')")
    .replace(BUN_FIXTURE_PATH, () => fixturePrefix);
  writeFileSync(join(work, f), text);
}
for (const f of readdirSync(source).filter((f) => !/\.test\./.test(f))) copyFileSync(join(source, f), join(work, f));

writeFileSync(
  join(work, "vitest.config.mjs"),
  `export default {
  resolve: {
    alias: [
      { find: /^@ffi-kit\\/core$/, replacement: ${JSON.stringify(coreEntry)} },
      { find: /^bun:test$/, replacement: ${JSON.stringify(join(work, "bun-test.mjs"))} },
      { find: /^harness$/, replacement: ${JSON.stringify(join(work, "harness.mjs"))} },
    ],
  },
  test: {
    include: ["*.test.{ts,js,mjs}"],
    exclude: ["eval-*"],
    setupFiles: [${JSON.stringify(join(work, "bun-global.mjs"))}],
    pool: "forks",
    testTimeout: 60000,
    hookTimeout: 60000,
  },
};
`,
);

const resultFile = join(work, "result.json");
const vitest = join(repo, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(
  process.execPath,
  ["--expose-gc", vitest, "run", "--root", work, "--config", join(work, "vitest.config.mjs"), "--reporter=default", "--reporter=json", `--outputFile.json=${resultFile}`],
  { stdio: "inherit", cwd: work, env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, "--expose-gc"].filter(Boolean).join(" ") } },
);

if (!existsSync(resultFile)) {
  console.error(`vitest wrote no result (exit ${run.status})`);
  process.exit(1);
}
const result = JSON.parse(readFileSync(resultFile, "utf8"));
const counts = { passed: 0, failed: 0, skipped: 0, inapplicable: 0 };
const failures = [];
const inapplicable = [];
for (const file of result.testResults) {
  const name = file.name.slice(work.length + 1);
  if (file.assertionResults.length === 0 && file.status === "failed") {
    failures.push(`${name}: ${String(file.message).split("\n")[0]}`);
    counts.failed++;
  }
  for (const t of file.assertionResults) {
    const full = `${name} > ${[...t.ancestorTitles, t.title].join(" > ")}`;
    if (t.status === "passed") counts.passed++;
    else if (t.status === "skipped" || t.status === "pending" || t.status === "todo") counts.skipped++;
    else {
      const why = INAPPLICABLE.find(([re]) => re.test(full));
      if (why) {
        counts.inapplicable++;
        inapplicable.push(`${full}\n      (${why[1]})`);
      } else {
        counts.failed++;
        failures.push(`${full}\n      ${String(t.failureMessages?.[0] ?? "").split("\n")[0]}`);
      }
    }
  }
}
console.log(`\nBun FFI suite on Node ${process.version} against @ffi-kit/core (${files.length} files from ${resolve(source)})`);
if (inapplicable.length) console.log(`\nNot applicable on Node (${inapplicable.length}):\n  ${inapplicable.join("\n  ")}`);
if (failures.length) console.log(`\nFailed (${failures.length}):\n  ${failures.join("\n  ")}`);
const applicable = counts.passed + counts.failed;
console.log(
  `\n${counts.passed} of ${applicable} applicable tests passed; ${counts.failed} failed; ${counts.inapplicable} not applicable; ${counts.skipped} skipped by the tests themselves`,
);
if (!process.env.BUN_FFI_SUITE_KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`work folder kept: ${work}`);
process.exit(counts.failed === 0 ? 0 : 1);
