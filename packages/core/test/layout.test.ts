/** The shape the other packages build on: no import cycle in core, and an internal entry without dead names. */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";

const src = new URL("../src/", import.meta.url);
const packages = new URL("../../", import.meta.url);

describe("core's layout", () => {
  it("has no import cycle among its modules (type-only imports included)", () => {
    const graph = new Map<string, string[]>();
    for (const f of readdirSync(src).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(f, src), "utf8");
      graph.set(f, [...text.matchAll(/from "\.\/([\w-]+)\.js"/g)].map((m) => `${m[1]}.ts`));
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === "done") return;
      if (state.get(n) === "open") {
        cycles.push([...path.slice(path.indexOf(n)), n].join(" -> "));
        return;
      }
      state.set(n, "open");
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, "done");
    };
    for (const n of graph.keys()) visit(n, []);
    expect(graph.size).toBeGreaterThan(20);
    expect(cycles).toEqual([]);
  });

  it("the root README's Layout table names every module of core/src, and only those", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const layout = readme.slice(readme.indexOf("## Layout"), readme.indexOf("\n## ", readme.indexOf("## Layout") + 1));
    const listed = new Set([...layout.matchAll(/`([\w-]+\.ts)`/g)].map((m) => m[1]!));
    const modules = readdirSync(src).filter((f) => f.endsWith(".ts"));
    expect({ unlisted: modules.filter((f) => !listed.has(f)), missing: [...listed].filter((f) => !modules.includes(f)) }).toEqual({ unlisted: [], missing: [] });
  });

  it("every name @ffi-kit/core/internal exports is imported by a sibling package, and it exports no raw koffi", () => {
    const internal = readFileSync(new URL("internal.ts", src), "utf8");
    const exported = [...internal.matchAll(/export \{([^}]*)\}/g)].flatMap((m) =>
      m[1]!.split(",").map((s) => s.trim().replace(/^type\s+/, "")).filter(Boolean),
    );
    expect(exported).not.toContain("koffi");
    const imports: string[] = [];
    for (const pkg of readdirSync(packages).filter((p) => p !== "core")) {
      let files: string[] = [];
      try {
        files = readdirSync(new URL(`${pkg}/src/`, packages)).filter((f) => f.endsWith(".ts"));
      } catch {
        continue;
      }
      for (const f of files) {
        const text = readFileSync(new URL(`${pkg}/src/${f}`, packages), "utf8");
        for (const m of text.matchAll(/import \{([^}]*)\} from "@ffi-kit\/core\/internal"/g)) imports.push(...m[1]!.split(",").map((s) => s.trim().replace(/^type\s+/, "").replace(/ as .*/, "")));
        for (const m of text.matchAll(/export \{([^}]*)\} from "@ffi-kit\/core\/internal"/g)) imports.push(...m[1]!.split(",").map((s) => s.trim()));
      }
    }
    expect(exported.filter((name) => !imports.includes(name))).toEqual([]);
  });
});
