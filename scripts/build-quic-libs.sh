#!/usr/bin/env bash
# ngtcp2 1.11 and nghttp3 1.8 for the HTTP/3 engine, under deps/quic (gitignored). Nothing is
# installed system-wide: the system's libngtcp2-dev / libnghttp3-dev (0.12 / 0.8 on bookworm)
# stay as they are, for checkouts that still build against them.
#
# - ngtcp2: the upstream tarball of Debian's bookworm-backports source package (apt-get source;
#   its hash is checked by apt against the suite's Sources index and here against a pinned one),
#   with our patches scripts/quic-libs/*.patch, applied in name order (ngtcp2-initial-cwnd: an
#   initial congestion window setting; ngtcp2-careful-resume: setting the congestion window and reading
#   delivered and lost bytes from outside, for Careful Resume; ngtcp2-bandwidth-estimate: the congestion controller's
#   bandwidth estimate, for CMSD; ngtcp2 has no API for either), built with CMake as
#   position-independent code.
# - nghttp3: unchanged, so Debian's own build of the same suite. Its headers come from
#   libnghttp3-dev 1.8.0 (apt-get download, unpacked here, not installed); the addon links the
#   runtime library libnghttp3.so.9 (package libnghttp3-9, which install-system-deps.sh takes
#   from bookworm-backports beside libnghttp3.so.3 of 0.8). Debian's libnghttp3.a is not
#   position-independent, so it cannot go into a shared addon, and the mirror serves no nghttp3
#   1.8 source package to build one from.
#
# Needs the bookworm-backports deb and deb-src lines that scripts/install-system-deps.sh adds.
# Rebuilds only when the stamp (versions + patch hash) changed; FORCE=1 rebuilds anyway.
# Usage: scripts/build-quic-libs.sh [PREFIX]   (default deps/quic)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=$(realpath -m "${1:-deps/quic}")

ngtcp2_version=1.11.0
ngtcp2_source=ngtcp2/bookworm-backports
ngtcp2_tarball=ngtcp2_${ngtcp2_version}.orig.tar.xz
ngtcp2_sha256=382c15bf66b630f26021631b25b7eb1feac42c67c1d6826189d61091dfaa4d09
nghttp3_package=libnghttp3-dev=1.8.0-1~bpo12+1
patch_files=("$root"/scripts/quic-libs/*.patch)

stamp="ngtcp2 $ngtcp2_version $(cat "${patch_files[@]}" | sha256sum | cut -c1-16); $nghttp3_package; $(sha256sum "$0" | cut -c1-16)"
if [ -z "${FORCE:-}" ] && [ -f "$prefix/STAMP" ] && [ "$(cat "$prefix/STAMP")" = "$stamp" ]; then
  exit 0
fi
for tool in apt-get cmake dpkg-deb patch; do
  command -v "$tool" >/dev/null || { echo "build-quic-libs: $tool is missing (make system-deps)" >&2; exit 1; }
done

work=$prefix/work
rm -rf "$prefix"
mkdir -p "$work"
cd "$work"

echo "build-quic-libs: fetching $ngtcp2_source and $nghttp3_package"
# Some mirrors serve a source package's upstream tarball but not its .dsc or Debian tarball;
# apt-get then fails although what we build from has arrived. The pinned hash decides.
apt-get source --download-only -qq "$ngtcp2_source" >apt-source.log 2>&1 || true
if [ ! -f "$ngtcp2_tarball" ]; then
  cat apt-source.log >&2
  echo "build-quic-libs: apt-get source $ngtcp2_source gave no $ngtcp2_tarball (is bookworm-backports in a deb-src line? make system-deps)" >&2
  exit 1
fi
echo "$ngtcp2_sha256  $ngtcp2_tarball" | sha256sum -c --quiet
apt-get download -qq "$nghttp3_package" 2>&1 | grep -v 'unsandboxed' || true
ls libnghttp3-dev_*.deb >/dev/null

tar xf "$ngtcp2_tarball"
for patch_file in "${patch_files[@]}"; do patch -d "ngtcp2-$ngtcp2_version" -p1 --quiet <"$patch_file"; done
cmake -S "ngtcp2-$ngtcp2_version" -B ngtcp2-build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_SHARED_LIB=OFF -DENABLE_STATIC_LIB=ON \
  -DENABLE_GNUTLS=ON -DENABLE_OPENSSL=OFF -DBUILD_TESTING=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Libev=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_Libnghttp3=ON >cmake.log
cmake --build ngtcp2-build --parallel 2 >build.log
cmake --install ngtcp2-build >install.log

dpkg-deb -x libnghttp3-dev_*.deb nghttp3
cp -r nghttp3/usr/include/nghttp3 "$prefix/include/"

test -f "$prefix/lib/libngtcp2.a" && test -f "$prefix/lib/libngtcp2_crypto_gnutls.a" && test -f "$prefix/include/nghttp3/nghttp3.h"
cd "$root"
rm -rf "$work"
echo "$stamp" >"$prefix/STAMP"
echo "build-quic-libs: ngtcp2 $ngtcp2_version (patched, static) and nghttp3 1.8.0 headers in $prefix"
