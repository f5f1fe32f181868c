#!/usr/bin/env bash
# Generate a Python client from the committed OpenAPI spec with openapi-generator (PyPI's
# openapi-generator-cli, which runs the generator's jar on the machine's Java 17), install it
# into a venv and run tests/e2e/python_sdk_story.py against a live server.
#
#   BASE_URL=http://127.0.0.1:3000 ADMIN_PASS=... [ADMIN_USER=admin] tests/e2e/python_sdk.sh
#
# Prints the generator's warnings and the spec-related notes it logs. Env: SPEC (default: the
# committed openapi/openapi.json), E2E_CACHE (venvs, default /tmp/rocketlite-e2e).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${ADMIN_PASS:?set ADMIN_PASS}"
SPEC=${SPEC:-$HERE/../../openapi/openapi.json}
E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
GEN_VERSION=7.26.0
VENV=$E2E_CACHE/python-sdk-$GEN_VERSION

command -v java >/dev/null || { echo "java is required (17 or newer)"; exit 1; }
if ! "$VENV/bin/openapi-generator-cli" version 2>/dev/null | grep -qx "$GEN_VERSION"; then
  echo "== installing openapi-generator-cli==$GEN_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-generator-cli==$GEN_VERSION"
fi

WORK=$(mktemp -d /tmp/rl-python-sdk.XXXXXX)
echo "== generating the Python client into $WORK/client"
set +e
"$VENV/bin/openapi-generator-cli" generate -i "$SPEC" -g python -o "$WORK/client" \
  --package-name rocketlite_client \
  --additional-properties=projectName=rocketlite-client,packageVersion=0.0.0 \
  > "$WORK/generate.log" 2>&1
gen_rc=$?
set -e
# Everything but the per-file chatter: warnings, errors and the notes about the spec.
grep -v -e 'writing file' -e 'Skipping generation' -e '^#' -e 'OpenAPI Generator: python' \
  -e 'is considered stable' -e 'PYTHON_POST_PROCESS_FILE' -e 'enablePostProcessFile' \
  -e 'donate' -e '^$' "$WORK/generate.log" | sed 's/^/  generator: /' || true
if [ "$gen_rc" != 0 ]; then
  echo "!! openapi-generator failed (exit $gen_rc); log: $WORK/generate.log"
  exit 1
fi

echo "== installing the generated client"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WORK/client"
# Its dependencies (pydantic, urllib3, python-dateutil, typing-extensions), once.
"$VENV/bin/pip" install --quiet --disable-pip-version-check "$WORK/client"

echo "== running the story"
BASE_URL=$BASE_URL ADMIN_PASS=$ADMIN_PASS ADMIN_USER=${ADMIN_USER:-admin} \
  "$VENV/bin/python" "$HERE/python_sdk_story.py"
