"""Do the probes read the synthetic world back from its own ground truth?

    python bench/probes.py --n 1000 --seed 0
    python bench/probes.py --n 1000 --holdout between_notes   # notes between the keys: writes probes_between_notes.json

Prints the fractions of items read right (keys pitch_within_25c, tempo_within_5pct, timbre_acc, shape_acc,
hue_within_10deg, stripes_exact, n, seed) and writes them to bench/results/probes.json. A probe may judge models
only if it reads the truth almost perfectly: the bar is 99% (98% for tempo).
"""
import argparse, time

from _common import write_result
from synesthesia.world import SynthWorld, SYNTH_HOLDOUTS, probe_errors, probe_scores
from synesthesia.core import map_chunks

BARS = dict(pitch_within_25c=0.99, tempo_within_5pct=0.98, timbre_acc=0.99, shape_acc=0.99, hue_within_10deg=0.99, stripes_exact=0.99)

def _errors(args):
    n, seed, holdout, lo, hi = args
    world = SynthWorld(n=n, seed=seed, holdout=holdout, test=holdout is not None)
    out = []
    for i in range(lo, hi):
        wav, img = world[i]
        out.append(probe_errors(world.params(i), img=img, wav=wav))
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=1000, help='items of the synthetic world to read back')
    ap.add_argument('--seed', type=int, default=0, help='which synthetic world')
    ap.add_argument('--workers', type=int, default=2, help='processes (pYIN is the slow part)')
    ap.add_argument('--holdout', choices=SYNTH_HOLDOUTS, help="read a split's test side (e.g. notes between the keys)")
    a = ap.parse_args()
    t0 = time.time()
    chunks = [(a.n, a.seed, a.holdout, lo, min(lo + 50, a.n)) for lo in range(0, a.n, 50)]
    errors = [e for part in map_chunks(_errors, chunks, a.workers) for e in part]
    scores = probe_scores(errors)
    failed = [k for k, bar in BARS.items() if scores[k] < bar]
    write_result('probes' + (f'_{a.holdout}' if a.holdout else ''), dict(scores, seed=a.seed, holdout=a.holdout, bars=BARS, meets_bars=not failed, seconds=round(time.time() - t0, 1)))
    if failed: raise SystemExit(f'probes below their bars: {failed}')

if __name__ == '__main__': main()
