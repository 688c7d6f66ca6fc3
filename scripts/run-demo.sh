#!/usr/bin/env bash
# Quick start command (1): installs dependencies, builds, and runs `vigil serve` on the embedded
# SQLite store with examples/vigil.yaml, plus `vigil sim` — simulated agent services sending
# live traffic for the example's use cases (set VIGIL_SIM=0 to run the server alone). Data lives
# in ./data (override with VIGIL_DATA). Ctrl-C stops both.
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

Vigil is starting on http://$LISTEN with simulated traffic  (Ctrl-C stops both)
  Authenticate with:  Authorization: Bearer \$VIGIL_TOKEN_...   (after: source $TOKENS)
  Watch it:   VIGIL_TOKEN=\$VIGIL_TOKEN_READ build/vigil summary --from -5m --server http://$LISTEN
              VIGIL_TOKEN=\$VIGIL_TOKEN_READ build/vigil route watch refund-bot --server http://$LISTEN
              curl -s http://$LISTEN/metrics | grep vigil_events_total
  Break it:   curl -s -X POST -H "Authorization: Bearer \$VIGIL_TOKEN_OPERATE" \\
                http://$LISTEN/v1/routes/refund-bot/faults \\
                -d '{"kind":"tool_permission_denied","target":"issue_refund","until":"3m"}'
              then: build/vigil alerts / incident list / release list refund-bot / audit

MSG
build/vigil serve --config examples/vigil.yaml --data "$DATA" --listen "$LISTEN" &
SERVER=$!
SIM=""
stop() {
  [[ -n "$SIM" ]] && kill "$SIM" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT
if [[ "${VIGIL_SIM:-1}" != "0" ]]; then
  # The simulator waits for the server to be ready (it retries discovery for a minute).
  VIGIL_TOKEN=$VIGIL_TOKEN_INGEST build/vigil sim --config examples/vigil.yaml \
    --server "http://$LISTEN" &
  SIM=$!
fi
wait "$SERVER"
