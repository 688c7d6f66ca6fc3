#!/usr/bin/env bash
# Quick start command (1): installs dependencies, builds, and runs `vigil serve` on the embedded
# SQLite store with examples/vigil.yaml. Data lives in ./data (override with VIGIL_DATA).
#
# Tokens: examples/vigil.yaml reads its API tokens from environment variables. On the first
# start this script generates them, prints them once, and keeps them in DATA/tokens.env
# (mode 600); later starts reuse that file.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${VIGIL_DATA:-data}
LISTEN=${VIGIL_LISTEN:-127.0.0.1:7070}

./scripts/install-deps.sh
./scripts/build.sh

mkdir -p "$DATA"
TOKENS="$DATA/tokens.env"
if [[ ! -f "$TOKENS" ]]; then
  umask 077
  {
    for name in VIGIL_TOKEN_ADMIN VIGIL_TOKEN_OPERATE VIGIL_TOKEN_READ VIGIL_TOKEN_INGEST; do
      echo "export $name=$(openssl rand -hex 24)"
    done
  } > "$TOKENS"
  echo "Generated API tokens (shown once; kept in $TOKENS):"
  sed 's/^export /  /' "$TOKENS"
else
  echo "Using API tokens from $TOKENS"
fi
# shellcheck disable=SC1090
source "$TOKENS"

build/vigil config check examples/vigil.yaml
cat <<MSG

Vigil is starting on http://$LISTEN  (Ctrl-C stops it)
  Authenticate with:  Authorization: Bearer \$VIGIL_TOKEN_INGEST   (after: source $TOKENS)
  Try:  curl -s -H "Authorization: Bearer \$VIGIL_TOKEN_INGEST" -H 'Content-Type: application/x-ndjson' \\
          --data-binary '{"trace_id":"t1","span_id":"s1","request_id":"r1","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":900}' \\
          http://$LISTEN/v1/events
        curl -s http://$LISTEN/metrics | grep vigil_ingest
        VIGIL_TOKEN=\$VIGIL_TOKEN_READ build/vigil summary --server http://$LISTEN

MSG
exec build/vigil serve --config examples/vigil.yaml --data "$DATA" --listen "$LISTEN"
