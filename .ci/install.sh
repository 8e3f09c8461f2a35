#!/usr/bin/env bash
# Installs what the tests need on a fresh machine. Idempotent; each step says what it does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# NuGet packages come from the registry served here; a restore up front gives one clear error if it fails.
dotnet restore StarChat.slnx --nologo -v quiet
