/** Returns its argument from a constructor, so that a subclass installs its private field on that object. */
const ReturnTarget = function ReturnTarget(target: object) {
  return target;
} as unknown as new (target: object) => object;

/** A hidden per-object value: invisible to user code, readable in a few nanoseconds. */
export interface PrivateSlot<T> {
  /** The value stored on `target`, or `undefined`. */
  read(target: unknown): T | undefined;
  /** Stores `value` on `target` (once per object); returns false for an object that cannot take it. */
  write(target: object, value: T): boolean;
}

/**
 * A new private slot: a value attached to arbitrary objects (views, ArrayBuffers) through a private class field
 * installed with the "return override" trick. Unlike a WeakMap lookup it is an inline-cached field load; unlike a
 * symbol property, user code can neither see nor change it.
 *
 * @example
 * const address = privateSlot<number>();
 * address.write(view, 0x1000); address.read(view); // 0x1000
 */
export function privateSlot<T>(): PrivateSlot<T> {
  class Slot extends ReturnTarget {
    #value: T;
    constructor(target: object, value: T) {
      super(target);
      this.#value = value;
    }
    static read(target: unknown): T | undefined {
      return typeof target === "object" && target !== null && #value in target ? (target as Slot).#value : undefined;
    }
  }
  return {
    read: Slot.read,
    write(target, value) {
      try {
        new Slot(target, value);
        return true;
      } catch {
        return false; // already stamped, or an exotic object that cannot take the field
      }
    },
  };
}
