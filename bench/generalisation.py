"""Do the translators generalise where copying the nearest training pair fails?

    python bench/generalisation.py                       # everything (digits: needs the data, $SYNESTHESIA_DATA)
    python bench/generalisation.py --only synthetic      # the synthetic world's two splits
    python bench/generalisation.py --only digits         # voices never heard, leave one speaker out

Synthetic world, on the splits of notebook 01b (`SynthWorld(holdout=...)`), each direction's default model trained on
the split's training side as bench/synth_quality.py trains it, then scored by the probes on `--n_eval` items of its
test side, beside retrieval (the training pair nearest in the translator's own encoder), the classical baselines and
the world's rules run on what the probes read:
- compositional: a seeded quarter of the (note, timbre, tempo) combinations, and so of the (colour, shape, stripes)
  ones, never drawn in training, every single value drawn; test items only from that quarter;
- between notes: training notes on the keys, test notes a quarter tone (50 cents, 15 degrees of hue) off them.
`all_right` counts items right on every barred probe at once: retrieval copies a training pair, so on the
compositional split it cannot get all three right, by construction.

Writes bench/results/generalisation.json (with --only, the other part is kept from the last run).
"""
import argparse, json, time

from _common import write_result, ROOT, RESULTS
from synth_quality import CONFIGS, TRAIN_SEED, VALID_SEED, EVAL_SEED, train, outputs
from synesthesia.world import SynthWorld, SYNTH_HOLDOUTS, held_out_combinations
from synesthesia.evaluation import PROBE_BARS, probe_report

KEYS = {'audio2img': 'audio2image', 'img2audio': 'image2audio'}  # the result's names for the directions
BETWEEN_BARS = {'audio2img': dict(hue_within_10deg=0.90), 'img2audio': dict(pitch_within_25c=0.90)}

def _value(r, k): return r[k]['value'] if isinstance(r[k], dict) else r[k]

def synthetic_split(holdout, direction, a):
    "Train on the training side of `holdout`, score every method on its test side."
    split = dict(holdout=holdout, split_seed=0)
    learn, info = train(direction, CONFIGS[direction], a.budget, a.cache, **split)
    print(f'{holdout} {direction}: trained {info}', flush=True)
    ev = SynthWorld(n=a.n_eval, seed=EVAL_SEED, test=True, **split)
    params = [ev.params(i) for i in range(len(ev))]
    outs, kind, gen_s = outputs(direction, learn, ev, a.n_iter)
    res = {}
    for name, o in outs.items():
        res[name] = probe_report(params, **{'pictures' if kind == 'img' else 'sounds': o}, workers=a.workers)
        print(holdout, direction, name, {k: round(v['value'], 3) for k, v in res[name].items() if k != 'n'}, flush=True)
    res['learned'].update(info, generate_seconds_all_methods=round(gen_s, 1))
    res['retrieval']['embedding'] = "the learned translator's encoder, cosine similarity, over its training items"
    bars = (PROBE_BARS if holdout == 'compositional' else BETWEEN_BARS)[direction]
    res['bars'] = bars
    res['learned_meets_bars'] = {k: _value(res['learned'], k) >= bar for k, bar in bars.items()}
    return res

def synthetic(a):
    out = {}
    for holdout in SYNTH_HOLDOUTS:
        out[holdout] = {KEYS[d]: synthetic_split(holdout, d, a) for d in ('audio2img', 'img2audio')}
    out['compositional']['held_out_combinations'] = len(held_out_combinations())
    out['between_notes']['test_notes'] = 'MIDI 48.5 to 82.5: a quarter tone above each key but the last'
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', choices=['synthetic', 'digits'], help='run one part, keep the other from the last run')
    ap.add_argument('--n_eval', type=int, default=500, help='synthetic: test items scored per method')
    ap.add_argument('--budget', type=float, default=600., help='synthetic: most seconds of fitting per model')
    ap.add_argument('--n_iter', type=int, default=32, help='Griffin-Lim rounds')
    ap.add_argument('--workers', type=int, default=2, help='processes that run the probes')
    ap.add_argument('--cache', default=str(ROOT/'bench'/'cache'), help='where the spectrogram caches go')
    a = ap.parse_args()
    old = RESULTS/'generalisation.json'
    result = {k: v for k, v in json.loads(old.read_text()).items() if k in ('synthetic', 'digits')} if a.only and old.is_file() else {}
    t0 = time.time()
    if a.only in (None, 'synthetic'):
        result['synthetic'] = synthetic(a)
        result['synthetic'].update(n_eval=a.n_eval, seeds=dict(train=TRAIN_SEED, valid=VALID_SEED, eval=EVAL_SEED, split=0, torch=0))
    if a.only in (None, 'digits'):
        from generalisation_digits import digits  # noqa: E402 (needs the data)
        result['digits'] = digits(a)
    write_result('generalisation', dict(result, seconds=round(time.time() - t0, 1)))

if __name__ == '__main__': main()
