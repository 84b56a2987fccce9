/**
 * Building blocks shared with the other ffi-kit packages (`@ffi-kit/core/internal`): the single koffi instance,
 * cached prototypes, pointer validation and the conversion planner. Not part of the bun:ffi surface; may change
 * between minor versions.
 */
export { koffi, prototype, pointerTo, strlen, decodeUtf8, type KoffiType, type KoffiLibrary } from "./koffi-engine.js";
export { checkedAddress, checkedLength, MAX_VIEW_LENGTH, MIN_VALID_ADDRESS } from "./pointer.js";
export { USER_ADDRESS_LIMIT, USER_ADDRESS_LIMIT_BIGINT, isUserAddress } from "./address-space.js";
export {
  planArgument,
  returnExpression,
  zeroValue,
  koffiArgType,
  koffiReturnType,
  pointerConverter,
  registerAddressCarrier,
  TWO_53,
  type ArgPlan,
  type SlowConverter,
} from "./conversion.js";
export {
  resolveSignature,
  koffiTypesForCall,
  koffiTypesForCallback,
  compileCall,
  wrapperSource,
  type Signature,
  type Guard,
  type CompiledCall,
} from "./declaration.js";
export { invokerSource } from "./callback.js";
export { callbackActivity } from "./callback-activity.js";
export { typeNames } from "./ffi-type.js";
export { describeReceived, invalidArgType, invalidArgValue, outOfRange, withCode } from "./errors.js";
export { openLibrary, unloadWhenSafe } from "./dlopen.js";
export { libraryPathArgument, alternativePaths } from "./library-path.js";
export { loadNativeAddon } from "./native-addon.js";
export { privateSlot, type PrivateSlot } from "./private-slot.js";
