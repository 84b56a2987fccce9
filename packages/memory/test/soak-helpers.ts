// Shared by the soak tests: run test/fixtures/soak.mjs in a child and read its report.
import { expect } from "vitest";
import { lastJson, runChild } from "./child-process.js";

export interface SoakReport {
  path: string;
  cycles: number;
  checksum: number;
  loopSeconds: number;
  counts: { allocs: number; frees: number; badFrees: number; live: number; bytesLive: number };
  stats: { allocated: number; freedByGC: number; freedByDispose: number; live: number; bytesLive: number };
  native: { created: number; freedByFinalizer: number; freedByRelease: number; live: number };
  /** Peak of the allocator's live bytes, sampled at every yield (MiB). */
  peakBytesLiveMiB: number;
  /** JS heap used after the first forced collection, right after each forced collection, and at the end (MiB). */
  heapStart: number;
  heapAfterGC: number[];
  heapEnd: number;
  /** V8's external memory (the adopted bytes are reported to V8) before, at its peak and at the end (MiB). */
  externalStart: number;
  externalPeak: number;
  externalEnd: number;
  /** RSS samples, for the log only: RSS follows V8's heap sizing (new space grew to 128 MiB in V8 of Node 24). */
  rssSamples: number[];
  rssEnd: number;
}

export function soak(path: string, cycles: number, bytes: number, gcEvery: number, yieldEvery: number): SoakReport {
  const r = runChild("soak.mjs", [path, String(cycles), String(bytes), String(gcEvery), String(yieldEvery)]);
  if (r.status !== 0) throw new Error(`soak child failed (${r.status} ${r.signal}):\n${r.stderr}`);
  const report = lastJson<SoakReport>(r.stdout);
  const { peakBytesLiveMiB, heapStart, heapAfterGC, heapEnd, externalStart, externalPeak, externalEnd } = report;
  console.log(
    `soak ${path}: ${cycles} cycles of ${bytes} bytes in ${report.loopSeconds.toFixed(1)} s on Node ${process.versions.node}; ` +
      `MiB: native live peak ${peakBytesLiveMiB}, heap ${heapStart} -> after GCs ${heapAfterGC.join(" ")} -> ${heapEnd}, ` +
      `external ${externalStart} -> peak ${externalPeak} -> ${externalEnd}; RSS ${report.rssSamples.join(" ")}`,
  );
  return report;
}

/**
 * What bounded memory means, measured where it lives rather than as RSS (which follows V8's heap sizing): the JS
 * heap after collections does not keep the dropped views, and V8's count of external memory (the adopted bytes
 * reported to it) comes back down. `heapMiB` bounds the heap right after any forced collection; leaking would
 * keep every view (about 250 bytes of JS heap each).
 */
export function expectBoundedMemory(report: SoakReport, limits: { heapMiB: number; externalMiB: number }): void {
  expect(Math.max(report.heapStart, ...report.heapAfterGC), "JS heap after a forced collection").toBeLessThan(limits.heapMiB);
  expect(report.heapEnd - report.heapStart, "JS heap growth over the run, after collections").toBeLessThan(8);
  expect(report.externalPeak - report.externalStart, "peak of V8's external memory above its start").toBeLessThan(limits.externalMiB);
  expect(report.externalEnd - report.externalStart, "V8's external memory at the end above its start").toBeLessThan(limits.externalMiB);
}
