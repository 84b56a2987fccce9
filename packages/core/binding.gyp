{
  "targets": [
    {
      "target_name": "ffi_kit_fast",
      "sources": ["native/fast_engine.cc", "native/callback_thunks.cc"],
      "cflags_cc": ["-std=c++20", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type", "-Wno-unused-but-set-parameter"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++20", "GCC_OPTIMIZATION_LEVEL": "2" }
    }
  ]
}
