/** The C functions of test/fixtures/bench.c as bun:ffi declarations, shared by the Node cases and the Bun suite. */
export const benchSymbols = {
  noop: { args: [], returns: "void" },
  add_i32: { args: ["i32", "i32"], returns: "i32" },
  add_f64: { args: ["f64", "f64"], returns: "f64" },
  ret_i64: { args: [], returns: "i64" },
  sum_buf: { args: ["ptr", "u32"], returns: "u32" },
  get_hello: { args: [], returns: "cstring" },
  call_cb_n: { args: ["function", "i32"], returns: "i32" },
  get_block: { args: [], returns: "ptr" },
} as const;
