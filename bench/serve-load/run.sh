#!/usr/bin/env bash
# Load test of `starchat serve` on a StarCoderBase-1B-shaped synthetic Q4_0 model (random weights, real shapes):
# 1, 2, 4 and 8 concurrent streaming clients; prints time to first token and tokens/s per client count.
# Usage: bench/serve-load/run.sh [--tiny] [extra ServeLoad options, e.g. --tokens 64]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
model="${SERVE_LOAD_MODEL:-/tmp/starchat-serve-load-starcoder-1b-q4_0.gguf}"
if [[ "${1:-}" == "--tiny" ]]; then
    shift
    model="$root/../shared/fixtures/tiny-starchat"
elif [[ ! -f "$model" ]]; then
    ./starchat bench --synthetic starcoder-1b --type q4_0 --write "$model" -p 0 -n 0 -r 1 >/dev/null
fi
port="${SERVE_LOAD_PORT:-18080}"
./starchat serve --model "$model" --port "$port" --parallel 8 --queue 16 --ctx 512 >/tmp/serve-load.out 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
dotnet run -c Release --project bench/serve-load -- --url "http://127.0.0.1:$port" "$@"
