"""How long the shipped translators take to load, offline, in a fresh process.

    python bench/pretrained_load.py            # bench/results/pretrained_load.json

For each model of `synesthesia.hub.PRETRAINED`, `--repeats` fresh Python processes (with HF_HUB_OFFLINE=1, so nothing
could be fetched) each time `import synesthesia.hub` and then `load_pretrained(name, device='cpu')` separately: the
load is what a user waits for after the imports every notebook does anyway. The models take turns, so machine noise
hits each alike; medians and the slowest of the repeats are reported, with each model's size on disk.
"""
import argparse, json, os, statistics, subprocess, sys

from _common import write_result
from synesthesia.hub import PRETRAINED, pretrained_folder

BAR_S = 2.  # the bar: each loads in under 2 s
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from synesthesia.hub import load_pretrained
t1 = time.perf_counter()
ck = load_pretrained(sys.argv[1], device='cpu')
t2 = time.perf_counter()
print(json.dumps(dict(import_s=t1 - t0, load_s=t2 - t1)))
"""

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=5)
    a = ap.parse_args()
    env = os.environ | dict(HF_HUB_OFFLINE='1', PYTHONWARNINGS='ignore')
    times = {n: [] for n in PRETRAINED}
    for _ in range(a.repeats):
        for n in PRETRAINED:
            out = subprocess.run([sys.executable, '-c', PROBE, n], env=env, capture_output=True, text=True, check=True)
            times[n].append(json.loads(out.stdout.strip().splitlines()[-1]))
    res = {}
    for n, ts in times.items():
        load = [t['load_s'] for t in ts]
        res[n] = dict(load_median_s=round(statistics.median(load), 3), load_max_s=round(max(load), 3),
                      import_median_s=round(statistics.median(t['import_s'] for t in ts), 2),
                      mb_on_disk=round(sum(f.stat().st_size for f in pretrained_folder(n).iterdir())/1e6, 2),
                      meets_bar=max(load) < BAR_S)
    write_result('pretrained_load', dict(models=res, bar_s=BAR_S, repeats=a.repeats, device='cpu',
                                         total_mb=round(sum(r['mb_on_disk'] for r in res.values()), 2)))

if __name__ == '__main__': main()
