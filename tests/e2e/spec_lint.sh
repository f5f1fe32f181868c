#!/usr/bin/env bash
# Lint the committed spec: openapi-spec-validator (PyPI) validates it as OpenAPI 3, Redocly
# CLI (npm, pinned in package.json) lints it with the `recommended` ruleset and the exceptions
# in openapi/redocly.yaml. Needs no server.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SPEC=${SPEC:-$HERE/../../openapi/openapi.json}
E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
VALIDATOR_VERSION=0.9.0
VENV=$E2E_CACHE/openapi-spec-validator-$VALIDATOR_VERSION

if [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  echo "== installing openapi-spec-validator==$VALIDATOR_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$VALIDATOR_VERSION"
fi
echo "== openapi-spec-validator"
"$VENV/bin/openapi-spec-validator" "$SPEC"

if [ ! -x "$HERE/node_modules/.bin/redocly" ]; then
  echo "== installing the npm tools (npm ci)"
  (cd "$HERE" && npm ci --silent --no-audit --no-fund)
fi
echo "== redocly lint (recommended, exceptions in openapi/redocly.yaml)"
"$HERE/node_modules/.bin/redocly" lint --config "$HERE/../../openapi/redocly.yaml" --format=stylish "$SPEC"
