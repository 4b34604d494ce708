{
  "variables": { "asan%": 0 },
  "targets": [
    {
      "target_name": "h3edge_rlimit",
      "sources": ["rlimit.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "conditions": [
        ["asan==1", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
