/**
 * Scopes: free everything adopted within a block when it ends, also when it throws.
 */
import { describeReceived, invalidArgType } from "@ffi-kit/core/internal";
import { allocationOf } from "./allocation.js";
import { dispose, own, type FreeFunction, type OwnOptions, type OwnedView, type ViewKind } from "./owned.js";

const { apply } = Reflect;

/**
 * A set of owned views freed together, newest first, by `dispose()` / `using`.
 *
 * @example
 * {
 *   using scope = new MemoryScope();
 *   const a = scope.own(p1, 16, free);
 *   const b = scope.own(p2, 32, free);
 * } // b, then a, freed here
 */
export class MemoryScope implements Disposable {
  #views: object[] = [];
  #closed = false;

  /** Like {@link own}, and the view is freed when the scope ends. */
  own<K extends ViewKind = Uint8ArrayConstructor>(
    ptr: number | bigint,
    byteLength: number,
    free: FreeFunction,
    options?: OwnOptions<K>,
  ): OwnedView<K> {
    this.#checkOpen("MemoryScope.own()");
    const view = own(ptr, byteLength, free, options);
    this.#views.push(view);
    return view;
  }

  /** Adds an already owned view (from `own()` or a deallocator `toArrayBuffer`/`toBuffer`); returns it. */
  adopt<V extends object>(view: V): V {
    this.#checkOpen("MemoryScope.adopt()");
    if (allocationOf(view) === undefined) {
      throw invalidArgType(`MemoryScope.adopt(): argument 1 must be a view owned by @ffi-kit/memory. Received ${describeReceived(view)}`);
    }
    this.#views.push(view);
    return view;
  }

  /** Number of views the scope holds. */
  get size(): number {
    return this.#views.length;
  }

  /** Whether the scope has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Frees every view, newest first. Idempotent. If some `free` throws, the others are still freed and the first
   * error is rethrown.
   */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const views = this.#views;
    this.#views = [];
    let failure: { error: unknown } | undefined;
    for (let i = views.length - 1; i >= 0; i--) {
      try {
        dispose(views[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }

  /** Same as {@link MemoryScope.dispose}: what `using scope = new MemoryScope()` calls at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #checkOpen(site: string): void {
    if (this.#closed) throw invalidArgType(`${site}: this MemoryScope has ended`);
  }
}

/** Ends a scope while an error is already propagating: that error wins over a failing `free`. */
function disposeQuietly(scope: MemoryScope): void {
  try {
    scope.dispose();
  } catch {
    // The first error is the one the caller needs; the scope has freed everything else regardless.
  }
}

/**
 * Runs `fn` with a fresh {@link MemoryScope} and frees what it adopted when `fn` returns, throws, or (if it
 * returns a promise or another thenable) settles.
 *
 * @example
 * const sum = withScope((scope) => {
 *   const bytes = scope.own(lib.make(64), 64, lib.free);
 *   return bytes.reduce((a, b) => a + b, 0);
 * });
 */
export function withScope<T>(fn: (scope: MemoryScope) => T): T {
  if (typeof fn !== "function") {
    throw invalidArgType(`withScope(): argument 1 must be a function. Received ${describeReceived(fn)}`);
  }
  const scope = new MemoryScope();
  let result: T;
  try {
    result = fn(scope);
  } catch (error) {
    disposeQuietly(scope);
    throw error;
  }
  if (result !== null && (typeof result === "object" || typeof result === "function")) {
    // A thenable: `then` is read once, and called once; whatever it does (throw, never call back, change on a
    // second read), the scope ends when the promise made from it settles, or now if reading `then` throws.
    let then: unknown;
    try {
      then = (result as { then?: unknown }).then;
    } catch (error) {
      disposeQuietly(scope);
      throw error;
    }
    if (typeof then === "function") {
      return new Promise((resolve, reject) => {
        apply(then as (...args: unknown[]) => unknown, result, [resolve, reject]);
      }).then(
        (value) => {
          scope.dispose();
          return value;
        },
        (error: unknown) => {
          disposeQuietly(scope);
          throw error;
        },
      ) as T;
    }
  }
  scope.dispose();
  return result;
}
