// bind() from the installed @ffi-kit/bindgen against libc: a struct returned by value (div_t) and validation.
import { bind, fn, t } from "@ffi-kit/bindgen";

const libc = bind("libc.so.6", {
  div: fn({ args: { numer: t.i32, denom: t.i32.enforceRange(1) }, ret: t.dictionary({ quot: t.i32, rem: t.i32 }) }),
  abs: fn({ args: { n: t.i32 }, ret: t.i32 }),
});
let error;
try {
  libc.symbols.div(7, 0);
} catch (e) {
  error = { name: e.name, code: e.code };
}
console.log(JSON.stringify({ div: libc.symbols.div(17, 5), abs: libc.symbols.abs(-42), error }));
libc.close();
