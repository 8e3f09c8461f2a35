"""Compares llama.cpp's logits on GGUFs written by starchat with expected.json (or with starchat's own logits)."""
import json, os, subprocess, sys
import numpy as np

fixtures, work, starchat, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
expected = json.load(open(os.path.join(fixtures, 'expected.json')))
prompts = {c['prompt']: c['ids'] for c in expected['cases'] if c['model'] == 'tiny-starchat' and c['producer'] == 'numpy'}


def llama(path, ids, n=32):
    out = os.path.join(work, 'llama.f32')
    run = subprocess.run([os.path.join(work, 'logits'), path, ','.join(map(str, ids)), out, str(n)], capture_output=True, text=True)
    if run.returncode:
        sys.exit(f'{path}: llama.cpp failed\n{run.stderr[-2000:]}')
    greedy = [int(t) for t in run.stdout.split('greedy:')[1].split()]
    return np.fromfile(out, dtype=np.float32).reshape(len(ids), -1), greedy


failed = False
for path in files:
    kind = os.path.basename(path)[len('tiny-starchat.'):-len('.gguf')]
    cases = {c['prompt']: c for c in expected['cases']
             if c['producer'] == 'llama.cpp' and c['model'].startswith(f'gguf/tiny-starchat.{kind}.gguf')}
    if cases:
        worst, greedy_equal = 0.0, 0
        for prompt, ids in prompts.items():
            logits, greedy = llama(path, ids)
            case = cases[prompt]
            for pos in case['per_position']:
                row = logits[pos['pos']]
                top = [int(i) for i in np.argsort(-row)[:5]]
                if top != pos['top5_ids']:
                    print(f'  {kind} {prompt} position {pos["pos"]}: top-5 {top}, expected {pos["top5_ids"]}')
                    failed = True
                worst = max(worst, float(np.max(np.abs(row[pos['top5_ids']] - np.array(pos['top5_values'])))))
            greedy_equal += greedy == case['greedy']['ids'][:len(greedy)]
        print(f'{kind}: loads; top-5 ids as recorded at every position, max |Δ top-5 logit| {worst:.2e}, '
              f'greedy-32 equal in {greedy_equal}/{len(prompts)} prompts')
        failed |= greedy_equal != len(prompts)
    else:
        worst, agree, count = 0.0, 0, 0
        for prompt, ids in prompts.items():
            logits, _ = llama(path, ids)
            ours = os.path.join(work, 'starchat.f32')
            subprocess.run([starchat, 'logits', '--model', path, '--ids', ','.join(map(str, ids)), '--all-positions',
                            '--out', ours, '--threads', '2'], check=True, capture_output=True)
            mine = np.fromfile(ours, dtype=np.float32).reshape(len(ids), -1)
            worst = max(worst, float(np.max(np.abs(mine - logits))))
            agree += int(np.sum(np.argmax(mine, 1) == np.argmax(logits, 1)))
            count += len(ids)
        print(f'{kind}: loads; no recorded llama.cpp case: vs starchat on the same file, max |Δlogit| {worst:.3f}, '
              f'top-1 equal at {agree}/{count} positions')
        # README §8's rows for engines that quantize activations: top-1 ≥ 85 %, max |Δ| ≤ 2.
        failed |= worst > 2 or agree < 0.85 * count
sys.exit(1 if failed else 0)
