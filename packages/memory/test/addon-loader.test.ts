// A missing addon gives one clear error that names the file and carries the cause, instead of a bare require error.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

describe("native addon loader", () => {
  it("throws ERR_FFI_ADDON_MISSING with the path and the underlying cause when the addon is not built", () => {
    const pkg = fileURLToPath(new URL("..", import.meta.url));
    // A copy of dist/ with no build/ beside it, inside the package so that @ffi-kit/core still resolves.
    const dir = mkdtempSync(join(pkg, "test", ".addon-missing-"));
    try {
      cpSync(join(pkg, "dist"), join(dir, "dist"), { recursive: true });
      const script = `import(${JSON.stringify(join(dir, "dist", "index.js"))}).then(
        () => console.log("loaded"),
        (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, cause: String(e.cause?.code) })),
      );`;
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: dir });
      expect(r.status).toBe(0);
      const error = JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string; cause: string };
      expect(error.name).toBe("FFIError");
      expect(error.code).toBe("ERR_FFI_ADDON_MISSING");
      expect(error.message).toContain(join(dir, "build", "Release", "ffi_kit_memory.node"));
      expect(error.message).toMatch(/npm run build/);
      expect(error.message).toMatch(/Cannot find module/);
      expect(error.cause).toBe("MODULE_NOT_FOUND");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
