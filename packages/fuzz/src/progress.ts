/** A one-line progress display for terminals: symbol, phase, runs, calls per second, crashes, hangs, elapsed time. */

/** One progress update of a fuzzing run. */
export interface FuzzProgress {
  /** The function being fuzzed. */
  readonly symbol?: string;
  readonly phase: "fuzzing" | "shrinking";
  readonly runs: number;
  readonly calls: number;
  /** Calls that killed their child (a signal or an exit). */
  readonly crashes: number;
  /** Calls that did not return within the timeout. */
  readonly hangs?: number;
  readonly children: number;
  readonly elapsedMs: number;
}

/** Formats a progress update: `parse: fuzzing  1200 runs  8300 calls/s  0 crashes  0 hangs  3 children  1.2 s`. */
export function formatProgress(p: FuzzProgress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.calls * 1000) / p.elapsedMs) : 0;
  const hangs = p.hangs ?? 0;
  return `${p.symbol !== undefined ? `${p.symbol}: ` : ""}${p.phase.padEnd(9)} ${String(p.runs).padStart(7)} runs  ${String(rate).padStart(6)} calls/s  ${p.crashes} crash${p.crashes === 1 ? "" : "es"}  ${hangs} hang${hangs === 1 ? "" : "s"}  ${p.children} children  ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * With `true`: a header line on stderr at once, then one progress line rewritten in place (at most 10 times a
 * second) when stderr is a terminal. With a function: each update goes to it.
 */
export class ProgressLine {
  readonly #sink: ((p: FuzzProgress) => void) | undefined;
  readonly #text: boolean;
  #lastWrite = 0;
  #wrote = false;

  constructor(setting: boolean | ((p: FuzzProgress) => void) | undefined) {
    this.#text = setting === true;
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

  /** Prints the header line (text mode only). */
  start(header: string): void {
    if (this.#text) process.stderr.write(`${header}\n`);
  }

  update(p: FuzzProgress): void {
    this.#sink?.(p);
  }

  end(): void {
    if (this.#wrote) process.stderr.write("\n");
    this.#wrote = false;
  }
}
