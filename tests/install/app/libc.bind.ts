// A schema for the bindgen CLI: ffi-kit-bindgen <dir> turns it into libc.gen.ts.
import { fn, t } from "@ffi-kit/bindgen";

export const abs = fn({ args: { n: t.i32 }, ret: t.i32 });
export const labs = fn({ args: { n: t.i64 }, ret: t.i64 });
