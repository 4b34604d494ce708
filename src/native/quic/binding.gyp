{
  "variables": {
    "asan%": 0,
    "quic_libs%": "<!(node -p \"require('path').resolve('../../../deps/quic')\")"
  },
  "targets": [
    {
      "target_name": "h3edge_quic",
      "sources": [
        "addon.cc",
        "server.cc",
        "accept.cc",
        "udp_socket.cc",
        "tx_queue.cc",
        "connection.cc",
        "ticket_clock.cc",
        "connection_callbacks.cc",
        "http3.cc",
        "http3_callbacks.cc",
        "priority_update.cc",
        "qlog.cc",
        "response.cc",
        "kept_answers.cc",
        "tls.cc",
        "replay_store.cc",
        "ticket_keys.cc",
        "secrets.cc",
        "saved_path.cc",
        "careful_resume.cc"
      ],
      "include_dirs": ["<(quic_libs)/include", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": [
        "<(quic_libs)/lib/libngtcp2_crypto_gnutls.a",
        "<(quic_libs)/lib/libngtcp2.a",
        "-l:libnghttp3.so.9",
        "-lgnutls",
        "-Wl,--exclude-libs,ALL"
      ],
      "conditions": [
        ["asan==1", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
