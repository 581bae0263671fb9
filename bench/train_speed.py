"""Training speed of the default audio->image config: samples per second, and the data loader's share of a step; and the
quick recipe's image->audio step with its mel decoder (lowrank) against the default one (cnn).

    python bench/train_speed.py                       # CPU: bench/results/train_cpu.json
    python bench/train_speed.py --device cuda         # GPU: fp32, bf16, bf16 + channels_last -> train_gpu.json

Builds the run exactly as `synesthesia_train --config configs/audio2img.yaml` does (`build_dls`, `build_learner`;
synthetic world) and times `--steps` training steps after `--warmup` untimed ones, `--repeats` times, the variants
alternating so that machine noise hits them alike. A step's time runs from the end of one batch to the end of the
next; the data loader's share is the part of it spent before the batch reaches the model (drawing the items and the
batch transforms: log-mel normalisation, or the STFT itself when nothing is cached). Medians over the repeats.

On a CPU the variants are the config as it is (log-mels cached in a memory-mapped file, the default) and the same
run with `cache: false`, where every batch synthesises its sounds and computes their spectrograms. On a GPU they are
the precisions fp32, bf16, and bf16 with channels-last tensors, all cached.

Then, on either device, the image->audio run of `python pipeline_full.py --quick` (`pipeline_configs(quick=True)`) is
timed the same way with each mel decoder, alternating: the `lowrank` decoder it uses and the `cnn` of the full config.
"""
import argparse, statistics, time
from dataclasses import replace
from pathlib import Path

import torch
from fastai.basics import Callback, CancelFitException, CancelValidException

from _common import write_result, ROOT
from synesthesia.core import seed_everything
from synesthesia.backbones import n_params
from synesthesia.config import load_config
from synesthesia.training import build_dls, build_learner
from synesthesia.pipeline import pipeline_configs

class StepTimer(Callback):
    "Times each training step and the part of it spent waiting for data; stops after `n` timed steps."
    order = -20  # first at before_batch, so the data time ends where the model's work begins
    def __init__(self, n, warmup, cuda): self.n, self.warmup, self.cuda = n, warmup, cuda
    def before_fit(self): self.prev, self.k, self.data, self.step = None, 0, [], []
    def _now(self):
        if self.cuda: torch.cuda.synchronize()
        return time.perf_counter()
    def before_batch(self):
        if self.prev is not None and self.k > self.warmup: self.data.append(self._now() - self.prev)
    def after_batch(self):
        now = self._now()
        if self.prev is not None and self.k > self.warmup: self.step.append(now - self.prev)
        self.prev, self.k = now, self.k + 1
        if len(self.step) >= self.n: raise CancelFitException()
    def before_validate(self): raise CancelValidException()

def run(cfg, device, steps, warmup):
    seed_everything(cfg.seed)
    dls = build_dls(cfg, device=device)
    learn = build_learner(cfg, dls)
    timer = StepTimer(steps, warmup, torch.device(device).type == 'cuda')
    with learn.no_bar(): learn.fit_one_cycle(1, cfg.lr, cbs=timer)
    step, data = sum(timer.step), sum(timer.data)
    return dict(samples_per_s=len(timer.step)*cfg.batch_size/step, loader_share=data/step, ms_per_step=1000*step/len(timer.step),
                precision=learn.precision, channels_last=hasattr(learn, 'channels_last'), n_params=n_params(learn.model))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config', default=str(ROOT/'configs'/'audio2img.yaml'))
    ap.add_argument('--device', default='cpu', help="'cpu' (train_cpu.json) or 'cuda' (train_gpu.json)")
    ap.add_argument('--steps', type=int, default=30, help='timed training steps per repeat')
    ap.add_argument('--warmup', type=int, default=5, help='untimed steps first')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--batch_size', type=int, help="default: the config's")
    ap.add_argument('--cache', default=str(ROOT/'bench'/'cache'), help='where the spectrogram cache goes')
    a = ap.parse_args()
    base = load_config(a.config, {'cache_dir': a.cache} | ({'batch_size': a.batch_size} if a.batch_size else {}))
    base = replace(base, n_train=(a.steps + a.warmup + 2)*base.batch_size, n_valid=base.batch_size)
    gpu = torch.device(a.device).type == 'cuda'
    variants = ({'fp32': dict(precision='fp32', channels_last=False), 'bf16': dict(precision='bf16', channels_last=False),
                 'bf16_channels_last': dict(precision='bf16', channels_last=True)} if gpu else
                {'cached': dict(cache=True), 'not_cached': dict(cache=False)})
    runs = {k: [] for k in variants}
    for r in range(a.repeats):
        for name, kw in variants.items():
            res = run(replace(base, **kw), a.device, a.steps, a.warmup)
            runs[name].append(res)
            print(f'repeat {r}: {name}: {res["samples_per_s"]:.1f} samples/s, loader {100*res["loader_share"]:.1f}% of a step', flush=True)
    quick = pipeline_configs(quick=True, directions=('img2audio',), overrides={'cache_dir': a.cache})['img2audio']
    quick = replace(quick, n_train=(a.steps + a.warmup + 2)*quick.batch_size, n_valid=quick.batch_size)
    decoders = {f'quick_img2audio_{d}': dict(decoder=d) for d in dict.fromkeys((quick.decoder, 'cnn'))}
    runs |= {k: [] for k in decoders}
    for r in range(a.repeats):
        for name, kw in decoders.items():
            res = run(replace(quick, **kw), a.device, a.steps, a.warmup)
            runs[name].append(res)
            print(f'repeat {r}: {name}: {res["ms_per_step"]:.1f} ms a step, {res["n_params"]:,} parameters', flush=True)
    med = lambda name, k: statistics.median(x[k] for x in runs[name])
    summary = {name: dict(samples_per_s=round(med(name, 'samples_per_s'), 1), loader_share=round(med(name, 'loader_share'), 4),
                          ms_per_step=round(med(name, 'ms_per_step'), 1), precision=runs[name][0]['precision'],
                          channels_last=runs[name][0]['channels_last'], runs=[round(x['samples_per_s'], 1) for x in runs[name]])
               for name in variants}
    quick_summary = {name: dict(ms_per_step=round(med(name, 'ms_per_step'), 1), samples_per_s=round(med(name, 'samples_per_s'), 1),
                                n_params=runs[name][0]['n_params'], runs=[round(x['ms_per_step'], 1) for x in runs[name]]) for name in decoders}
    first = next(iter(variants))
    ratios = {f'{n}_over_{first}': round(summary[n]['samples_per_s']/summary[first]['samples_per_s'], 3) for n in variants if n != first}
    mine, cnn = (quick_summary[f'quick_img2audio_{d}']['ms_per_step'] for d in (quick.decoder, 'cnn'))
    ratios[f'quick_img2audio_step_{quick.decoder}_over_cnn'] = round(mine/cnn, 3)
    write_result('train_gpu' if gpu else 'train_cpu',
                 dict(config=Path(a.config).name, device=a.device, batch_size=base.batch_size, steps=a.steps, warmup=a.warmup, repeats=a.repeats,
                      n_params=runs[first][0]['n_params'], results=summary, ratios=ratios, seeds=dict(torch=base.seed, world=base.world_seed),
                      quick_img2audio=dict(decoder=quick.decoder, batch_size=quick.batch_size, img_size=quick.img_size, n_mels=quick.mel.n_mels, results=quick_summary),
                      what='median over repeats; loader_share = time before each batch reaches the model / whole step'))

if __name__ == '__main__': main()
