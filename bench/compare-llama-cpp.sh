#!/usr/bin/env bash
# Side-by-side speed of llama.cpp and StarChat on the very same GGUF files and threads.
#
#   bench/compare-llama-cpp.sh LLAMA_CPP_BUILD_DIR [MODEL.gguf...]
#
# LLAMA_CPP_BUILD_DIR is a CPU build of llama.cpp (it holds bin/llama-bench); build it yourself beside the project,
# it is never part of this repository. Without MODEL files, StarCoderBase-1B-shaped synthetic F16, Q8_0 and Q4_0
# files are written once to $WORK (starchat bench --synthetic starcoder-1b --type T --write FILE).
# Each round runs llama-bench and starchat bench on each file, one after the other (so both see the same machine
# load): the timed runs with llama-bench first in odd rounds and starchat first in even ones, then the load-only runs,
# llama-bench first. The table shows medians over rounds of each tool's mean t/s (llama-bench's avg_ts), the ratio of
# those medians and the median of the per-round ratios (on a machine whose speed drifts between rounds, the paired
# ratio is the steadier figure), peak resident memory and the wall time of a load-only run (one prompt token), then
# each tool's generation speed as a share of the memory-bandwidth ceiling (starchat bench --bandwidth: the weights a
# token reads, read with no arithmetic).
#
# Environment: THREADS (2), PROMPT (128), GEN (32), REPS per run (3), ROUNDS (3), WORK (/tmp/starchat-compare),
# STARCHAT (a command to run instead of the repository's CLI, which ./starchat builds).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    # The comment block at the top of this file, without its '# '.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1"; shift
llama_bench="$build/bin/llama-bench"
[[ -x "$llama_bench" ]] || { echo "error: $llama_bench not found (build llama.cpp's llama-bench first)" >&2; exit 2; }
# The launcher checks its sources for changes on every start (tens of milliseconds): it builds the CLI once here, and
# the runs call the built CLI directly, as llama-bench is called, so that load times compare the two programs.
if [[ -n "${STARCHAT:-}" ]]; then
    starchat=("$STARCHAT")
else
    "$root/starchat" --version >/dev/null
    # The native AOT binary, or the launcher's framework-dependent fallback where that could not be built.
    if [[ -f "$root/.build/cli/starchat.dll" ]]; then
        starchat=(dotnet "$root/.build/cli/starchat.dll")
    else
        starchat=("$root/.build/cli/starchat")
    fi
fi
threads="${THREADS:-2}" prompt="${PROMPT:-128}" gen="${GEN:-32}" reps="${REPS:-3}" rounds="${ROUNDS:-3}"
work="${WORK:-/tmp/starchat-compare}"
mkdir -p "$work/runs"
command -v python3 >/dev/null || { echo "error: python3 is needed for the summary" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time (GNU time) is needed for memory figures" >&2; exit 2; }

models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
    for type in f16 q8_0 q4_0; do
        file="$work/starcoder-1b-$type.gguf"
        [[ -f "$file" ]] || "${starchat[@]}" bench --synthetic starcoder-1b --type "$type" --write "$file" -p 0 -n 0 >/dev/null
        models+=("$file")
    done
fi

rm -f "$work"/runs/*
for ((round = 1; round <= rounds; round++)); do
    for i in "${!models[@]}"; do
        m="${models[$i]}"
        echo "round $round/$rounds: $(basename "$m")" >&2
        order=(llama starchat)
        (( round % 2 == 0 )) && order=(starchat llama)
        for tool in "${order[@]}"; do
            if [[ $tool == llama ]]; then
                run=("$llama_bench" -m "$m")
            else
                run=("${starchat[@]}" bench --model "$m")
            fi
            /usr/bin/time -f '%M %e' -o "$work/runs/$tool-$i-$round.time" \
                "${run[@]}" -t "$threads" -p "$prompt" -n "$gen" -r "$reps" -o json > "$work/runs/$tool-$i-$round.json" 2>/dev/null
        done
        # Load-only runs: one prompt token, no generation, one repetition.
        /usr/bin/time -f '%M %e' -o "$work/runs/llama-load-$i-$round.time" \
            "$llama_bench" -m "$m" -t "$threads" -p 1 -n 0 -r 1 -o json > /dev/null 2>&1
        /usr/bin/time -f '%M %e' -o "$work/runs/starchat-load-$i-$round.time" \
            "${starchat[@]}" bench --model "$m" -t "$threads" -p 1 -n 0 -r 1 -o json > /dev/null 2>&1
        # The memory-bandwidth ceiling of generation: the same weights read with no arithmetic.
        "${starchat[@]}" bench --model "$m" -t "$threads" -p 0 -n 0 -r 1 --bandwidth 2>/dev/null \
            | grep '^memory:' > "$work/runs/ceiling-$i-$round.txt" || true
    done
done

python3 - "$work/runs" "$rounds" "$threads" "${models[@]}" <<'PY'
import json, os, statistics, sys
runs, rounds, threads, models = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]

def records(tool, i):
    out = []
    for r in range(1, rounds + 1):
        with open(os.path.join(runs, f"{tool}-{i}-{r}.json")) as f:
            out.append(json.load(f))
    return out

def time_file(name):
    with open(os.path.join(runs, name)) as f:
        kb, wall = f.read().split()[-2:]
    return int(kb) / 1024, float(wall)

def test_name(rec):
    return f"pp{rec['n_prompt']}" if rec["n_gen"] == 0 else f"tg{rec['n_gen']}"

# llama-bench records the commit it was built from (unknown when built outside a git checkout).
first = records("llama", 0)[0][0]
commit = f"{first.get('build_commit')} (build {first.get('build_number')})" if first.get("build_commit", "unknown") != "unknown" else "(commit unknown)"
cpu = "unknown CPU"
try:
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
except OSError:
    pass
rung = records("starchat", 0)[0][0].get("kernel_path", "")
print(f"llama.cpp {commit} vs starchat, {threads} threads, medians of {rounds} rounds, on {cpu}"
      + (f" (starchat kernels: {rung})" if rung else "") + "\n")
print(f"| model | test | llama.cpp t/s | starchat t/s | ratio | median per-round ratio | per round |")
print(f"|---|---|---:|---:|---:|---:|---|")
memory, ceiling = [], []
for i, m in enumerate(models):
    name = os.path.basename(m)
    per_round = {}
    for tool in ("llama", "starchat"):
        by_test = per_round[tool] = {}
        for round_records in records(tool, i):
            for rec in round_records:
                by_test.setdefault(test_name(rec), []).append(rec["avg_ts"])
    per_tool = {tool: {k: statistics.median(v) for k, v in by_test.items()} for tool, by_test in per_round.items()}
    for test in sorted(per_tool["llama"], key=lambda t: (t[:2] != "pp", t)):
        ours = per_tool["starchat"].get(test, float("nan"))
        theirs = per_tool["llama"][test]
        paired = [o / t for o, t in zip(per_round["starchat"].get(test, []), per_round["llama"][test])]
        paired_median = statistics.median(paired) if paired else float("nan")
        print(f"| {name} | {test} | {theirs:.2f} | {ours:.2f} | {ours / theirs:.2f} | {paired_median:.2f} | "
              + " ".join(f"{r:.2f}" for r in paired) + " |")
    row = [name]
    for tool in ("llama", "starchat"):
        rss = statistics.median(time_file(f"{tool}-{i}-{r}.time")[0] for r in range(1, rounds + 1))
        load = statistics.median(time_file(f"{tool}-load-{i}-{r}.time")[1] for r in range(1, rounds + 1))
        row += [rss, load]
    memory.append(row)
    gen = [t for t in per_tool["llama"] if t.startswith("tg")]
    ceilings = []
    for r in range(1, rounds + 1):
        with open(os.path.join(runs, f"ceiling-{i}-{r}.txt")) as f:
            words = f.read().split()
        if words:
            ceilings.append((float(words[words.index("GB/s") - 1]), float(words[words.index("reading") + 2]), float(words[words.index("most") + 1])))
    if ceilings and gen:
        rate, size, bound = (statistics.median(c[k] for c in ceilings) for k in range(3))
        ceiling.append((name, size, rate, bound, gen[0], per_tool["llama"][gen[0]] / bound, per_tool["starchat"].get(gen[0], float("nan")) / bound))
print("\n| model | llama.cpp peak RSS MiB | llama.cpp load-only run s | starchat peak RSS MiB | starchat load-only run s |")
print("|---|---:|---:|---:|---:|")
for name, lr, ll, sr, sl in memory:
    print(f"| {name} | {lr:.0f} | {ll:.2f} | {sr:.0f} | {sl:.2f} |")
if ceiling:
    print("\nGeneration against the memory-bandwidth ceiling (`starchat bench --bandwidth`: the weights a token reads, read")
    print("with the same threads and no arithmetic):\n")
    print("| model | weights per token GB | read GB/s | ceiling t/s | test | llama.cpp share | starchat share |")
    print("|---|---:|---:|---:|---|---:|---:|")
    for name, size, rate, bound, test, theirs, ours in ceiling:
        print(f"| {name} | {size:.2f} | {rate:.1f} | {bound:.2f} | {test} | {theirs:.0%} | {ours:.0%} |")
PY
