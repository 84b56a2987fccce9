export interface PlantedBug {
  readonly id: string;
  readonly kind: string;
  readonly symbol: string;
  readonly args: string[];
  readonly returns: string;
  readonly lengthOf?: Record<number, number>;
  readonly property?: (args: readonly unknown[], result: unknown) => boolean;
  readonly propertySource?: string;
  readonly failure: { readonly kind: "crash" | "timeout" | "property"; readonly signal?: string };
  /** The minimal failing input, or `null` where many inputs are minimal. */
  readonly minimal: unknown[] | null;
  readonly note: string;
}
export declare const PLANTED_BUGS: readonly PlantedBug[];
export declare function sameInput(a: readonly unknown[], b: readonly unknown[]): boolean;
