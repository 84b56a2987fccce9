import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** Absolute path of a compiled C fixture of this package (built by the package build). */
export function fixture(name: string): string {
  const path = fileURLToPath(new URL(`../fixtures/build/lib${name}.so`, import.meta.url));
  if (!existsSync(path)) throw new Error(`C fixture ${path} is missing: run the package build first`);
  return path;
}
