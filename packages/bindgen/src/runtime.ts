/**
 * `@ffi-kit/bindgen/runtime`: what generated modules (and `bind()`'s compiled wrappers) call. The common case of
 * every conversion is inline in the generated code; these are the slow paths, Node's validators and the library
 * plumbing. Stable for generated code of the same minor version.
 */
export {
  toNumber,
  roundHalfEven,
  intWrap,
  int64Wrap,
  intClamp,
  intEnforce,
  domString,
  usvString,
  byteString,
  stringEnum,
  nativeEnum,
  notDictionary,
  missingMember,
  missingArgs,
  noVariant,
  noUnionMember,
  toBigInt,
  enumName,
  enumValue,
  wellFormed,
  EMPTY,
} from "./webidl.js";
export { readCString, readByteString, readStruct } from "./native-memory.js";
export { validateInt32, validateUint32, validateNumber, validateInteger } from "./node-validators.js";
export { openLibrary, type OpenedLibrary, type LibraryGuard } from "./library.js";
export { structType, unionType, pointerType } from "./c-types.js";
export { PACK, PACKING_ABI, eightbyte, setEightbyte } from "./struct-abi.js";
