/**
 * The one place this package takes its errors from: @ffi-kit/core's `FFIError` and its Node-style helpers
 * (`TypeError` with `ERR_INVALID_ARG_TYPE`, `RangeError` with `ERR_OUT_OF_RANGE`), so every error of the fuzzer
 * has the same shape as core's.
 */
export { FFIError } from "@ffi-kit/core";
export { describeReceived, invalidArgType, invalidArgValue, outOfRange } from "@ffi-kit/core/internal";
