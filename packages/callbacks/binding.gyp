{
  "targets": [
    {
      "target_name": "ffi_kit_callbacks",
      "sources": ["native/callbacks.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS=='linux'", { "ldflags": ["-Wl,-z,nodelete"], "libraries": ["-ldl"] }]],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_OPTIMIZATION_LEVEL": "2" }
    }
  ]
}
