#!/usr/bin/env bash
# Do the GGUFs that starchat writes load in llama.cpp and give the fixtures' llama.cpp numbers there?
#
#   bench/llama-cpp-load/run.sh LLAMA_CPP_BUILD_DIR
#
# LLAMA_CPP_BUILD_DIR is a CPU build of llama.cpp (libllama; the fixtures used commit 1fd6dfe9f), built by you
# beside the project and never part of it. This script compiles logits.cpp (ours) against it, writes GGUFs with
# `starchat convert` from ../shared/fixtures (tiny-starchat to f32, f16, legacy and K-quant types; each GGML v3
# file to GGUF), runs llama.cpp on the five fixture prompts and compares:
#   - files with llama.cpp cases in expected.json: top-5 ids at every recorded position, top-5 logits, greedy 32;
#   - the others (K-quants, GGML v3 conversions): llama.cpp's logits against `starchat logits` on the same file.
# Needs python3 with numpy. Environment: WORK (/tmp/starchat-llama-load), STARCHAT (the ./starchat launcher).
set -euo pipefail
if [[ $# -ne 1 ]]; then sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "$1" && pwd)"
starchat="${STARCHAT:-$root/starchat}"
work="${WORK:-/tmp/starchat-llama-load}"
fixtures="$root/../shared/fixtures"
source_dir="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")"
[[ -f "$source_dir/include/llama.h" ]] || { echo "error: $build is not a llama.cpp CMake build (no llama.h under its source dir)" >&2; exit 2; }
lib="$(dirname "$(find "$build" -name 'libllama.so' | head -1)")"
[[ -n "$lib" ]] || { echo "error: no libllama.so under $build" >&2; exit 2; }
python3 -c 'import numpy' 2>/dev/null || { echo "error: python3 with numpy is needed (Debian: apt-get install python3-numpy)" >&2; exit 2; }
mkdir -p "$work"

g++ -O2 -std=c++17 "$here/logits.cpp" -I"$source_dir/include" -I"$source_dir/ggml/include" \
    -L"$lib" -lllama -lggml -lggml-base -Wl,-rpath,"$lib" -o "$work/logits"

for type in f32 f16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k_m q4_k_m q5_k_m q6_k; do
    "$starchat" convert "$fixtures/tiny-starchat" --out "$work/tiny-starchat.$type.gguf" --type "$type" >/dev/null
done
for type in f16 q4_0 q5_1 q8_0; do
    "$starchat" convert "$fixtures/ggml/tiny-starchat.ggmlv3.$type.bin" --out "$work/tiny-starchat.ggmlv3-$type.gguf" >/dev/null
done

python3 "$here/compare.py" "$fixtures" "$work" "$starchat" "$work"/tiny-starchat.*.gguf
