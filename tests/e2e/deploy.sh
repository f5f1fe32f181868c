#!/usr/bin/env bash
# The deploy recipes hold together: the systemd unit passes `systemd-analyze verify` (with
# ExecStart pointed at this build), the nginx example passes `nginx -t` (with a throwaway
# certificate), the container recipe's health check asks /readyz through the binary's own
# `healthcheck`, and that command answers for the running server. Installs nginx with apt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEPLOY=$HERE/../../deploy
BIN=${BIN:-$WORK/rocketlite}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== systemd-analyze verify deploy/systemd/rocketlite.service"
if command -v systemd-analyze >/dev/null; then
  sed "s#/usr/local/bin/rocketlite#$(readlink -f "$BIN")#" "$DEPLOY/systemd/rocketlite.service" \
    > "$TMP/rocketlite.service"
  out=$(systemd-analyze verify "$TMP/rocketlite.service" 2>&1 || true)
  echo "${out:-(no findings)}"
  # Findings about the unit itself fail; ones about this machine's own units do not.
  if printf '%s\n' "$out" | grep -i 'rocketlite.service' | grep -vi 'Failed to add dependency'; then
    echo "!! the unit has findings"; exit 1
  fi
else
  echo "(systemd-analyze not installed: skipped)"
fi

echo "== nginx -t deploy/proxy/nginx.conf"
if ! command -v nginx >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq nginx-light >/dev/null 2>&1 || $SUDO apt-get install -y -qq nginx >/dev/null
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
sed -e "s#/etc/letsencrypt/live/chat-admin.example.org/fullchain.pem#$TMP/cert.pem#" \
    -e "s#/etc/letsencrypt/live/chat-admin.example.org/privkey.pem#$TMP/key.pem#" \
    "$DEPLOY/proxy/nginx.conf" > "$TMP/nginx.conf"
nginx -t -c "$TMP/nginx.conf" -e "$TMP/error.log" -g "pid $TMP/nginx.pid;"

echo "== the container's health check"
tr -d '\\\n' < "$DEPLOY/container/Containerfile" \
  | grep -q 'HEALTHCHECK .*CMD \["/usr/local/bin/rocketlite", "healthcheck", "--url", "http://127.0.0.1:3000/readyz"\]' \
  || { echo "!! the Containerfile's HEALTHCHECK does not ask /readyz through the binary"; exit 1; }
"$BIN" healthcheck --url "$BASE_URL/readyz"
if "$BIN" healthcheck --url "http://127.0.0.1:9/readyz" 2>/dev/null; then
  echo "!! healthcheck passed against a port nobody listens on"; exit 1
fi
echo "deploy: ok"
