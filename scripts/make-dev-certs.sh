#!/usr/bin/env bash
# Makes a small local certificate authority and a server certificate signed by it in DIR
# (default certs/), unless they are already there, and prints how to trust the CA.
#   dev-ca.pem, dev-ca-key.pem  the CA (CA:TRUE, pathlen 0, keyCertSign only), 10 years
#   dev-cert.pem                the leaf (CA:FALSE, serverAuth, SAN localhost, 127.0.0.1, ::1),
#                               followed by the CA: the chain a server sends
#   dev-key.pem                 the leaf's key
#   spki.txt                    base64 SHA-256 of the leaf's public key (Chromium's
#                               --ignore-certificate-errors-spki-list)
# EXTRA_SAN="IP:10.77.0.2,DNS:origin.test" adds names to a new leaf (tests whose nodes talk over
# an emulated link's addresses).
# Browsers refuse a CA used as a server certificate (Firefox: MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY),
# hence two certificates. An old single self-signed dev-cert.pem (CA:TRUE) is replaced.
set -euo pipefail
dir="${1:-certs}"
mkdir -p "$dir"
ca="$dir/dev-ca.pem"
ca_key="$dir/dev-ca-key.pem"
cert="$dir/dev-cert.pem"
key="$dir/dev-key.pem"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

leaf_is_signed_by_ca() {
  [ -s "$cert" ] && [ -s "$key" ] && [ -s "$ca" ] && [ -s "$ca_key" ] &&
    openssl x509 -in "$cert" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:FALSE' &&
    openssl verify -CAfile "$ca" "$cert" >/dev/null 2>&1 &&
    openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null
}

if ! leaf_is_signed_by_ca; then
  if [ ! -s "$ca" ] || [ ! -s "$ca_key" ] || ! openssl x509 -in "$ca" -noout -checkend 86400 >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$ca_key" -out "$ca" -days 3650 -subj "/CN=h3edge local development CA" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" 2>/dev/null
    chmod 600 "$ca_key"
  fi
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$key" -out "$tmp/leaf.csr" -subj "/CN=localhost" 2>/dev/null
  cat > "$tmp/leaf.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1${EXTRA_SAN:+,$EXTRA_SAN}
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  # 397 days: the longest validity browsers accept for a server certificate.
  openssl x509 -req -in "$tmp/leaf.csr" -CA "$ca" -CAkey "$ca_key" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days 397 -extfile "$tmp/leaf.ext" -out "$tmp/leaf.pem" 2>/dev/null
  cat "$tmp/leaf.pem" "$ca" > "$cert"
  chmod 600 "$key"
fi

spki=$(openssl x509 -in "$cert" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
echo "$spki" > "$dir/spki.txt"
cat <<EOF
dev certificate: $cert (leaf for localhost, 127.0.0.1, ::1) signed by the local CA $ca
  curl:     curl --cacert $ca https://localhost:8443/healthz
  Chromium: --ignore-certificate-errors-spki-list=$spki   (or import $ca as an authority)
  Firefox:  Settings → Certificates → View Certificates → Authorities → Import $ca
            (or: certutil -A -d sql:PROFILE_DIR -n h3edge-dev-ca -t C,, -i $ca)
  system:   cp $ca /usr/local/share/ca-certificates/h3edge-dev-ca.crt && update-ca-certificates
EOF
