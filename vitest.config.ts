import { defineConfig } from "vitest/config";
import { readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Paths are relative to this file, so `pnpm test` from a package folder (vitest run --project <name>) works too.
const root = fileURLToPath(new URL(".", import.meta.url));
const at = (path: string) => `${root}${path}`;

// One project per package that has tests. Type-level tests (*.test-d.ts) are checked by tsc through vitest.
const packages = readdirSync(at("packages")).filter((p) => existsSync(at(`packages/${p}/test`)));
// Node flags of a package's test workers (child processes of vitest): fuzz's memory model forces collections.
const execArgv: Record<string, string[]> = { fuzz: ["--expose-gc"] };

export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: at(`packages/${name}`),
          include: ["test/**/*.test.ts"],
          execArgv: execArgv[name] ?? [],
          typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "tsconfig.json" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      })),
      // Packs every package, installs the tarballs into fresh apps outside the repository (npm, then pnpm with its
      // defaults) with no compiler on PATH, and runs the READMEs' first samples and the CLIs there.
      {
        extends: true as const,
        test: {
          name: "install",
          root: at("tests/install"),
          include: ["**/*.test.ts"],
          testTimeout: 240_000,
          hookTimeout: 400_000,
        },
      },
    ],
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: at("reports/vitest.json") },
    pool: "forks",
  },
});
