#!/usr/bin/env bash
# The HTTP/3 engine under AddressSanitizer: builds src/native/quic with -fsanitize=address into
# src/native/quic/build-asan (the normal build stays as it is), runs the HTTP/3 suites with
# libasan preloaded into node, and fails on any ASan error or on a leak that our addon allocated.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap '[ -n "${KEEP_ASAN:-}" ] || rm -rf "$work"' EXIT

# The addon's sources and the headers it shares with the other addons (../common).
mkdir -p "$work/quic" "$work/common"
cp src/native/quic/*.cc src/native/quic/*.h src/native/quic/binding.gyp "$work/quic/"
cp src/native/common/*.h "$work/common/"
nodedir=/usr
[ -f /usr/include/node/node_api.h ] || nodedir=
bash scripts/build-quic-libs.sh
(cd "$work/quic" && NODE_PATH="$root/node_modules" node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild ${nodedir:+--nodedir=$nodedir} -- -Dasan=1 "-Dquic_libs=$root/deps/quic" >/dev/null)
mkdir -p src/native/quic/build-asan/Release
cp "$work/quic/build/Release/h3edge_quic.node" src/native/quic/build-asan/Release/

reports="$work/asan"
mkdir -p "$reports"
libasan=$(gcc -print-file-name=libasan.so)
suites=(test/native-quic.test.ts test/native-quic-safety.test.ts test/h3-kept-answers.test.ts test/h3-kept-answers-heap.test.ts test/h3-early-data.test.ts test/early-data-policy.test.ts test/quic-tokens.test.ts test/http-semantics.test.ts test/priority.test.ts test/abuse-h3.test.ts test/request-bodies.test.ts test/h3-qlog.test.ts)
status=0
# Node itself does not free everything at exit; leaks are judged below by who allocated them.
LD_PRELOAD="$libasan" \
  LSAN_OPTIONS=exitcode=0 ASAN_OPTIONS="detect_leaks=1:log_path=$reports/report:abort_on_error=0:detect_odr_violation=0" \
  H3EDGE_NATIVE_BUILD=build-asan \
  node_modules/.bin/tap --disable-coverage --jobs=1 "${suites[@]}" || status=$?

errors=0
for f in "$reports"/report.*; do
  [ -e "$f" ] || continue
  if grep -q "ERROR: AddressSanitizer" "$f"; then
    echo "== $f"; sed -n 1,60p "$f"; errors=$((errors + 1))
  fi
  # A leak report block counts against us when one of its frames is in our addon.
  ours=$(awk '/^(Direct|Indirect) leak/{blk=$0; keep=0; next} /h3edge_quic\.node/{keep=1} /^$/{if (keep) print blk; keep=0}' "$f")
  if [ -n "$ours" ]; then
    echo "== leaks allocated by h3edge_quic in $f"; echo "$ours"; errors=$((errors + 1))
  fi
done
if [ "$status" -ne 0 ]; then echo "test-asan: the suites failed (exit $status)"; exit "$status"; fi
if [ "$errors" -ne 0 ]; then echo "test-asan: $errors report(s) with errors or leaks of our addon"; exit 1; fi
echo "test-asan: ${#suites[@]} suites passed under AddressSanitizer; no errors, no leaks from h3edge_quic"
