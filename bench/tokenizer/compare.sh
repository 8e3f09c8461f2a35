#!/usr/bin/env bash
# Tokenizer speed, side by side: StarChat's tokenizer vs Hugging Face tokenizers (Rust, via its Node binding), one
# thread each, on the same corpus: all HumanEval prompts, the technical-assistant prompt and the OpenAssistant
# dialogues. Prints tokens/s (median of RUNS runs, after one warm-up) for both and the ratio.
# Usage: bench/tokenizer/compare.sh [RUNS]   (needs ../shared beside the repository)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="${STARCHAT_SHARED:-$root/../shared}"
runs="${1:-9}"
tokenizer="$shared/fixtures/tiny-starchat/tokenizer.json"

(cd "$here" && [[ -d node_modules/@anush008/tokenizers ]] || npm install --no-audit --no-fund --loglevel=error >/dev/null)

corpus="$(mktemp --suffix=.jsonl)"
trap 'rm -f "$corpus"' EXIT
python3 - "$shared" "$corpus" <<'PY'
import gzip, json, sys
shared, out = sys.argv[1], sys.argv[2]
docs = [json.loads(l)["prompt"] for l in gzip.open(f"{shared}/data/humaneval/HumanEval.jsonl.gz", "rt", encoding="utf-8")]
docs.append(open(f"{shared}/data/ta-prompt/TA_prompt_v1.txt", encoding="utf-8").read())
for line in open(f"{shared}/data/oasst/en_100_messages.derived.jsonl", encoding="utf-8"):
    docs.extend(m["content"] for m in json.loads(line)["messages"])
with open(out, "w", encoding="utf-8") as f:
    for d in docs:
        f.write(json.dumps(d) + "\n")
PY

dotnet build "$root/bench/StarChat.Benchmarks" -c Release --nologo -v quiet >/dev/null
ours=$(dotnet "$root/bench/StarChat.Benchmarks/bin/Release/net10.0/StarChat.Benchmarks.dll" tokenizer-throughput "$tokenizer" "$corpus" "$runs")
theirs=$(cd "$here" && RAYON_NUM_THREADS=1 node throughput.js "$tokenizer" "$corpus" "$runs")

python3 - "$ours" "$theirs" <<'PY'
import json, statistics, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def row(r):
    rates = r["runs"][1:] or r["runs"]          # first run is the cold-cache warm-up
    return statistics.median(rates), min(rates), max(rates)
assert ours["tokens"] == theirs["tokens"], f"token counts differ: {ours['tokens']} vs {theirs['tokens']}"
print(f"corpus: {ours['documents']} documents, {ours['tokens']} tokens; median of {len(ours['runs']) - 1} warm runs, one thread")
print(f"{'engine':<28}{'median tok/s':>14}{'min':>12}{'max':>12}{'cold tok/s':>12}")
for r in (ours, theirs):
    m, lo, hi = row(r)
    print(f"{r['engine']:<28}{m:>14,.0f}{lo:>12,.0f}{hi:>12,.0f}{r['runs'][0]:>12,.0f}")
print(f"ratio (StarChat / HF tokenizers): {row(ours)[0] / row(theirs)[0]:.2f}x")
PY
