/** A one-line progress display for terminals: phase, runs, calls per second, crashes, elapsed time. */

/** One progress update of a fuzzing run. */
export interface FuzzProgress {
  readonly phase: "fuzzing" | "shrinking";
  readonly runs: number;
  readonly calls: number;
  readonly crashes: number;
  readonly children: number;
  readonly elapsedMs: number;
}

/** Formats a progress update: `fuzzing  1200 runs  8300 calls/s  0 crashes  1.2 s`. */
export function formatProgress(p: FuzzProgress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.calls * 1000) / p.elapsedMs) : 0;
  return `${p.phase.padEnd(9)} ${String(p.runs).padStart(7)} runs  ${String(rate).padStart(6)} calls/s  ${p.crashes} crash${p.crashes === 1 ? "" : "es"}  ${p.children} children  ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** Writes progress to stderr (rewriting one line, at most 10 times a second) or hands it to a callback. */
export class ProgressLine {
  readonly #sink: ((p: FuzzProgress) => void) | undefined;
  #lastWrite = 0;
  #wrote = false;

  constructor(setting: boolean | ((p: FuzzProgress) => void) | undefined) {
    if (typeof setting === "function") this.#sink = setting;
    else if (setting === true && process.stderr.isTTY) {
      this.#sink = (p) => {
        const now = Date.now();
        if (now - this.#lastWrite < 100) return;
        this.#lastWrite = now;
        this.#wrote = true;
        process.stderr.write(`\r\x1b[2K${formatProgress(p)}`);
      };
    }
  }

  update(p: FuzzProgress): void {
    this.#sink?.(p);
  }

  end(): void {
    if (this.#wrote) process.stderr.write("\n");
  }
}
