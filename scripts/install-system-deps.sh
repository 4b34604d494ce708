#!/usr/bin/env bash
# Installs the Debian packages h3edge needs to build, serve and test, when they are missing.
set -euo pipefail
packages=(
  ffmpeg                      # packaging the demo library
  ngtcp2-client ngtcp2-server # reference HTTP/3 peers (gtlsclient, gtlsserver)
  nghttp2-client              # nghttp, h2load
  chromium                    # player tests
  firefox-esr libnss3-tools   # player matrix in Firefox ESR (certutil imports the dev CA into its profile)
  prometheus                  # promtool checks /metrics in the suite
  systemd                     # systemd-analyze verifies deploy/h3edge.service in the suite
  caddy                       # the baseline server of make bench-cache
  nginx-light                 # the HTTP/2 anchor of make bench-cache (the binary only: its service stays off)
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libnghttp3-dev libgnutls28-dev # native HTTP/3 engine
  curl openssl ca-certificates g++ make python3
  iproute2 ethtool iputils-ping # the lossy-link benchmark's namespaces, offload settings, emulator check
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
rest=()
for p in "${missing[@]}"; do [ "$p" = nginx-light ] || rest+=("$p"); done
[ ${#rest[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${rest[@]}"
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
