/** The planted-bug library's variants, each a path, or `undefined` with its reason in `missing`. */
export interface PlantedBuild {
  readonly plain?: string;
  readonly coverage?: string;
  readonly asan?: string;
  readonly coverageAsan?: string;
  readonly missing: Readonly<Record<string, string>>;
}
export declare const PLANTED_SOURCE: string;
export declare const PLANTED_BUILD_DIR: string;
export declare function buildPlanted(): PlantedBuild;
