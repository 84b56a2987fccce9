// A JavaScript schema for the bindgen CLI: ffi-kit-bindgen <dir> turns it into libm.gen.ts.
import { fn, t } from "@ffi-kit/bindgen";

export const sqrt = fn({ args: { x: t.f64 }, ret: t.f64 });
