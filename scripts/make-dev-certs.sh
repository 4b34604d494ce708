#!/usr/bin/env bash
# Creates a self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1 in DIR
# (default certs/) unless one is already there, and prints the SPKI hash Chromium needs.
set -euo pipefail
dir="${1:-certs}"
mkdir -p "$dir"
cert="$dir/dev-cert.pem"
key="$dir/dev-key.pem"
if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$key" -out "$cert" -days 365 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
fi
spki=$(openssl x509 -in "$cert" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
echo "$spki" > "$dir/spki.txt"
echo "dev certificate: $cert (SPKI sha256 for Chromium: $spki)"
