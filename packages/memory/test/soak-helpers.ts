// Shared by the soak tests: run test/fixtures/soak.mjs in a child and read its report.
import { lastJson, runChild } from "./child-process.js";

export interface SoakReport {
  path: string;
  cycles: number;
  checksum: number;
  loopSeconds: number;
  counts: { allocs: number; frees: number; badFrees: number; live: number; bytesLive: number };
  stats: { allocated: number; freedByGC: number; freedByDispose: number; live: number; bytesLive: number };
  native: { created: number; freedByFinalizer: number; freedByRelease: number; live: number };
  rssSamples: number[];
  rssEnd: number;
}

export function soak(path: string, cycles: number, bytes: number, gcEvery: number, yieldEvery: number): SoakReport {
  const r = runChild("soak.mjs", [path, String(cycles), String(bytes), String(gcEvery), String(yieldEvery)]);
  if (r.status !== 0) throw new Error(`soak child failed (${r.status} ${r.signal}):\n${r.stderr}`);
  const report = lastJson<SoakReport>(r.stdout);
  console.log(`soak ${path}: ${cycles} cycles of ${bytes} bytes in ${report.loopSeconds.toFixed(1)} s; RSS MiB ${report.rssSamples.join(" ")}`);
  return report;
}

/** Growth of RSS from the first tenth of the run (warm-up) to its peak afterwards, in MiB. */
export function rssGrowth(report: SoakReport): number {
  const [warm, ...rest] = report.rssSamples.slice(1);
  return Math.max(...rest) - warm!;
}
