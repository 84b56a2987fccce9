import { defineConfig } from "vitest/config";
import { readdirSync, existsSync } from "node:fs";

// One project per package that has tests. Type-level tests (*.test-d.ts) are checked by tsc through vitest.
const packages = readdirSync("packages").filter((p) => existsSync(`packages/${p}/test`));
// Node flags of a package's test workers (child processes of vitest): fuzz's memory model forces collections.
const execArgv: Record<string, string[]> = { fuzz: ["--expose-gc"] };

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      extends: true,
      test: {
        name,
        root: `packages/${name}`,
        include: ["test/**/*.test.ts"],
        execArgv: execArgv[name] ?? [],
        typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "tsconfig.json" },
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    })),
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "reports/vitest.json" },
    pool: "forks",
  },
});
