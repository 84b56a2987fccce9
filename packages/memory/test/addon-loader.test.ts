// A missing or broken addon gives one error that lists every file tried with its cause and says what to install,
// instead of a bare require error.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const tuple = `${process.platform}-${process.arch}`;

/** Imports a copy of dist/ (no build/ beside it; inside the package so that @ffi-kit/core resolves) in a child. */
function importCopy(prepare: (dir: string) => void) {
  const dir = mkdtempSync(join(pkg, "test", ".addon-missing-"));
  try {
    cpSync(join(pkg, "dist"), join(dir, "dist"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "@ffi-kit/memory", type: "module" }));
    prepare(dir);
    const script = `import(${JSON.stringify(join(dir, "dist", "index.js"))}).then(
      () => console.log(JSON.stringify({ loaded: true })),
      (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, cause: e.cause?.constructor.name, causes: e.cause?.errors?.length })),
    );`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: dir, timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    return { dir, error: JSON.parse(r.stdout.trim()) as { loaded?: boolean; name: string; code: string; message: string; cause: string; causes: number } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("native addon loader", () => {
  it("throws ERR_FFI_ADDON_MISSING listing every place tried, each with its cause, and what to install", () => {
    const { dir, error } = importCopy(() => {});
    expect(error.name).toBe("FFIError");
    expect(error.code).toBe("ERR_FFI_ADDON_MISSING");
    expect(error.message).toContain(`${join(dir, "build", "Release", "ffi_kit_memory.node")}: not found`);
    expect(error.message).toContain(`${join(dir, "build", "Debug", "ffi_kit_memory.node")}: not found`);
    expect(error.message).toContain(`${join(dir, "prebuilds", tuple)}: node-gyp-build found no prebuilt addon for ${tuple}`);
    expect(error.message).toMatch(/No native build was found/);
    expect(error.message).toMatch(/Python 3, make and a C\+\+17 compiler/);
    expect(error.message).toMatch(/npm rebuild @ffi-kit\/memory/);
    expect(error.message).not.toMatch(/npm run build/);
    expect(error.cause).toBe("AggregateError");
    expect(error.causes).toBe(3);
  });

  it("reports a prebuilt binary that exists but does not load with the loader's own message", () => {
    const { dir, error } = importCopy((d) => {
      mkdirSync(join(d, "prebuilds", tuple), { recursive: true });
      writeFileSync(join(d, "prebuilds", tuple, "ffi_kit_memory.napi.node"), "not an ELF file");
    });
    expect(error.code).toBe("ERR_FFI_ADDON_MISSING");
    const line = error.message.split("\n").find((l) => l.includes(join(dir, "prebuilds", tuple, "ffi_kit_memory.napi.node")));
    expect(line).toMatch(/invalid ELF header|file too short|not a valid/i);
    expect(error.message).toContain(`The package ships prebuilt addons for ${tuple}`);
  });

  it("loads the prebuilt binary when there is no local build", () => {
    const { error } = importCopy((d) => {
      mkdirSync(join(d, "prebuilds", tuple), { recursive: true });
      cpSync(join(pkg, "build", "Release", "ffi_kit_memory.node"), join(d, "prebuilds", tuple, "ffi_kit_memory.napi.node"));
    });
    expect(error).toEqual({ loaded: true });
  });
});
