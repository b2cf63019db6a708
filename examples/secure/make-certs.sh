#!/bin/sh
# Makes a private CA, a broker certificate and one client certificate per name, with openssl (P-256 keys).
#
#   examples/secure/make-certs.sh OUT_DIR [NAME ...]      e.g. make-certs.sh ./pki rsu-1 rsu-2 veh-1
#
# OUT_DIR/ca.crt, ca.key          the CA (keep ca.key offline; only ca.crt goes to brokers and clients)
# OUT_DIR/server.crt, server.key  the broker's certificate, for 127.0.0.1 / localhost and $BROKER_HOST if set
# OUT_DIR/NAME.crt, NAME.key      a client certificate whose CN is NAME: with use_identity_as_username (see
#                                 mosquitto.conf) NAME is the MQTT username the ACL matches, so use the RSU or
#                                 vehicle id. An existing CA in OUT_DIR is reused, so clients can be added later.
# DAYS (default 365) sets the validity. The test suite runs this script (test/transport/tls.test.ts).
set -eu
out=${1:?usage: make-certs.sh OUT_DIR [NAME ...]}
shift
days=${DAYS:-365}
mkdir -p "$out"
cd "$out"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
if [ ! -f ca.crt ]; then
  key ca.key
  openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=iaad private CA" -out ca.crt
fi
sign() { # NAME EXTENSIONS
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  printf '%s\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
if [ ! -f server.crt ]; then
  san="IP:127.0.0.1,DNS:localhost${BROKER_HOST:+,DNS:$BROKER_HOST}"
  sign server "subjectAltName=$san
extendedKeyUsage=serverAuth"
fi
for name in "$@"; do
  sign "$name" "extendedKeyUsage=clientAuth"
done
chmod 644 ca.crt server.crt
for name in "$@"; do chmod 644 "$name.crt"; done
