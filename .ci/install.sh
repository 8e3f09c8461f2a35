#!/usr/bin/env bash
# Installs what the tests need on a fresh machine. Idempotent; each step says what it does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# NuGet packages come from the registry served here; a restore up front gives one clear error if it fails.
dotnet restore StarChat.slnx --nologo -v quiet

# Hugging Face tokenizers (Rust, through its Node binding): the live reference in the tokenizer tests and benchmark.
if command -v npm >/dev/null 2>&1; then
    (cd bench/tokenizer && npm install --no-audit --no-fund --loglevel=error >/dev/null)
else
    echo "install: npm not found; the tokenizer reference tests need Node.js and npm" >&2
    exit 1
fi

# Headless Chromium from Debian for the chat page's end-to-end test (Playwright drives it; it never downloads one).
if [[ ! -x /usr/bin/chromium ]]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
