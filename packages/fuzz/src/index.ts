/**
 * @ffi-kit/fuzz: property-based fuzzing of FFI type conversions and of native libraries, with fast-check.
 *
 * @example
 * import { fuzzLibrary } from "@ffi-kit/fuzz";
 * const report = await fuzzLibrary({ library: "./libparse.so", symbol: "parse", args: ["buffer", "u32"], returns: "i32", lengthOf: { 1: 0 } });
 * if (!report.ok) console.log(report.summary);
 */
export { TYPE_NAMES, typeName, type TypeName } from "./type-names.js";
export {
  NAN_PAYLOADS,
  F32_MAX,
  F32_MIN_NORMAL,
  F32_MIN_SUBNORMAL,
  F32_MAX_SUBNORMAL,
  F64_MIN_NORMAL,
  F64_MAX_SUBNORMAL,
  INTEGER_BOUNDARIES,
  FLOAT_BOUNDARIES,
  BIGINT_BOUNDARIES,
  ADDRESS_BOUNDARIES,
} from "./boundaries.js";
export {
  arbitraries,
  arbitraryFor,
  bytes,
  views,
  type ValueKind,
  type FFIArbitraryOptions,
  type BytesOptions,
  type GeneratedView,
} from "./arbitraries.js";
export {
  expected,
  expectedArgument,
  expectedFromC,
  expectedRead,
  expectedPointerRejection,
  expectedPtr,
  expectedToArrayBuffer,
  expectedCString,
  READ_SIZES,
  FIRST_VALID_ADDRESS,
  type CValue,
  type Expectation,
  type ExpectedError,
  type ReadKind,
} from "./model.js";
export { observe, show, disagreement, type Outcome } from "./outcome.js";
export {
  conversionProperties,
  IDENTITY_TYPES,
  CALLBACK_TYPES,
  CONVERSION_PROPERTY_NAMES,
  type ConversionProperty,
  type ConversionPropertyOptions,
} from "./conversion-properties.js";
export {
  checkConversions,
  defaultConversionLibrary,
  KNOWN_DIFFERENCES,
  type ConversionReport,
  type ConversionCheckOptions,
  type PropertyFailure,
} from "./conversion-campaign.js";
export { argumentArbitrary, argumentsArbitrary, type ArgumentOptions } from "./argument-arbitraries.js";
export { IsolatedRunner, killChildren, MAX_TIMEOUT_MS, type IsolatedTarget, type IsolatedResult, type IsolatedRunnerOptions } from "./isolated-runner.js";
export type { CallResult } from "./child-protocol.js";
export { fuzzLibrary, DEFAULT_RUNS, DEFAULT_TIMEOUT_MS, MAX_BATCH, type FuzzOptions, type FuzzReport, type FuzzFailure } from "./fuzz-library.js";
export { formatProgress, type FuzzProgress } from "./progress.js";
export { betterShrinking } from "./shrinking.js";
export { checkMemoryModel, memoryCommands, type MemoryModelTarget, type MemoryModelOptions, type MemoryModelReport } from "./memory-model.js";
export { signatureFromSchema, type FunctionSchemaLike, type SchemaTypeSpec, type SchemaSignature } from "./bindgen-schema.js";
