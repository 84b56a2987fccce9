import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { suffix } from "@ffi-kit/core";

/** Absolute path of a compiled C fixture of this package (built by `pnpm build`), with the platform's suffix. */
export function fixture(name: string): string {
  const path = fileURLToPath(new URL(`../fixtures/build/lib${name}.${suffix}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`C fixture ${path} is missing: run the package build first`);
  return path;
}
