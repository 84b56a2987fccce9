// CommonJS consumers: require() of the ESM-only packages (Node's require(esm), from 20.19 and 22.12).
const core = require("@ffi-kit/core");
const { dlopen, FFIType } = core;
const libm = dlopen("libm.so.6", { cbrt: { args: [FFIType.f64], returns: FFIType.f64 } });
console.log(JSON.stringify({ cbrt: libm.symbols.cbrt(27), memory: typeof require("@ffi-kit/memory").own }));
libm.close();
