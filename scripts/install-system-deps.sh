#!/usr/bin/env bash
# Installs the Debian packages h3edge needs to build, serve and test, when they are missing.
#
# The HTTP/3 engine and its reference peers use ngtcp2 1.11 / nghttp3 1.8 from Debian's
# bookworm-backports suite. The suite is added (deb and deb-src: scripts/build-quic-libs.sh
# builds ngtcp2 from its source package) and pinned so that ONLY the packages in $backports come
# from it; every other package, the -dev packages of ngtcp2/nghttp3 included, stays on bookworm.
set -euo pipefail
backports=(ngtcp2-client ngtcp2-server libngtcp2-16 libngtcp2-crypto-gnutls8 libnghttp3-9)
backports_version=1.11.0-1~bpo12+1 # ngtcp2-client, ngtcp2-server
packages=(
  ffmpeg                      # packaging the demo library
  ngtcp2-client ngtcp2-server # reference HTTP/3 peers (gtlsclient, gtlsserver), 1.11 from bookworm-backports
  libnghttp3-9                # nghttp3 1.8, linked by the native HTTP/3 engine (bookworm-backports)
  nghttp2-client              # nghttp, h2load
  chromium                    # player tests
  firefox-esr libnss3-tools   # player matrix in Firefox ESR (certutil imports the dev CA into its profile)
  prometheus                  # promtool checks /metrics in the suite
  systemd                     # systemd-analyze verifies deploy/h3edge.service in the suite
  caddy                       # the baseline server of make bench-cache
  nginx-light                 # the HTTP/2 anchor of make bench-cache (the binary only: its service stays off)
  libgnutls28-dev cmake patch dpkg-dev xz-utils # native HTTP/3 engine (scripts/build-quic-libs.sh)
  curl openssl ca-certificates g++ make python3
  iproute2 ethtool iputils-ping # the lossy-link benchmark's namespaces, offload settings, emulator check
  tshark                      # decrypting captures with SSLKEYLOGFILE (test/key-log.test.ts)
)
sources=/etc/apt/sources.list.d/h3edge-bookworm-backports.sources
pin=/etc/apt/preferences.d/h3edge-bookworm-backports

installed() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | grep -q "install ok installed${2:+ $2}"; }

missing=()
for p in "${packages[@]}"; do
  case "$p" in
    ngtcp2-client | ngtcp2-server) installed "$p" "$backports_version" || missing+=("$p") ;;
    *) installed "$p" || missing+=("$p") ;;
  esac
done
if [ ${#missing[@]} -eq 0 ] && [ -f "$sources" ] && [ -f "$pin" ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages or the bookworm-backports suite: ${missing[*]}" >&2
  echo "run as root: sudo bash $0" >&2
  exit 1
fi
cat >"$sources" <<'SOURCES'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
{
  echo "# h3edge (scripts/install-system-deps.sh): only these come from bookworm-backports."
  echo "Package: ${backports[*]}"
  echo "Pin: release n=bookworm-backports"
  echo "Pin-Priority: 500"
  echo
  echo "Package: *"
  echo "Pin: release n=bookworm-backports"
  echo "Pin-Priority: -1"
} >"$pin"
echo "installing: ${missing[*]:-(none; bookworm-backports suite added)}"
apt-get update -qq
rest=()
for p in "${missing[@]}"; do [ "$p" = nginx-light ] || rest+=("$p"); done
if [ ${#rest[@]} -gt 0 ]; then
  # wireshark-common asks whether non-root users may capture: no (capturing tests run as root).
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${rest[@]}"
fi
# nginx-light's scripts start nginx on port 80 as it is installed (and fail the install when the
# port is taken); the bench starts its own on a free port. A policy-rc.d that refuses to start
# services (invoke-rc.d and deb-systemd-invoke both ask it) covers its install, then the
# service is disabled so it does not come up at boot either.
if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  else
    update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi
# Only promtool is wanted from the prometheus package: do not leave its server running.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
