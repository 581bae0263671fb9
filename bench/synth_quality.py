"""How well do the translators and their baselines carry the synthetic world's meaning across?

    python bench/synth_quality.py                      # both directions, default configs, 500 held-out items
    python bench/synth_quality.py --direction img2audio --n_eval 200 --budget 120   # a quicker look
    python bench/synth_quality.py --direction audio2img --decoder gru --out synth_quality_a2i_gru  # another decoder

Trains the default audio->image and image->audio models on the synthetic world (at most `--budget` seconds of
fitting each, on whatever this machine has), then scores every method by the data issue's probes on `--n_eval`
held-out items (a world with a seed no training item comes from): the learned translator, its retrieval
baseline (nearest training pair in the translator's own embedding), and the classical baselines (audio->image:
spectrogram and chroma pictures; image->audio: the picture played as a spectrogram, and the world's rules run
backwards). Writes bench/results/synth_quality.json: one entry per direction and method, with its probe scores,
the bars, the training seconds and the machine.
"""
import argparse, time

import numpy as np
import torch
from fastai.basics import Learner, Callback, CancelFitException
from fastai.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner)

from _common import write_result, ROOT
from synesthesia.core import seed_everything, map_chunks
from synesthesia.world import SynthWorld, probe_errors, probe_scores
from synesthesia.signals import MelSpec
from synesthesia.data import MelCache, pair_dls
from synesthesia.audio2img import Audio2Image, spectrogram_picture, chroma_picture, world_picture
from synesthesia.heads import SharpMSE, Retrieval
from synesthesia.callbacks import F0Supervision
from synesthesia.img2audio import Image2Audio, I2A_MEL, spectrogram_sound, world_sound
from synesthesia.vocoder import mel_to_audio

from synesthesia.evaluation import PROBE_BARS as BARS, TRANSLATION_TOLERANCES as TOLS  # the bars and tolerances the pipeline reports too
# The default configs: what `Audio2Image()` and `Image2Audio()` are, trained on this many items for this many epochs
CONFIGS = {'audio2img': dict(model=dict(encoder='cnn', decoder='cnn', latent_dim=128, width=16), mel=MelSpec(),
                               n_train=4096, epochs=8, bs=32, lr=3e-3, loss=dict(w=3., dims=(-2, -1))),
           'img2audio': dict(model=dict(encoder='cnn', decoder='cnn', latent_dim=128, width=16), mel=I2A_MEL,
                               n_train=4096, epochs=16, bs=16, lr=5e-3, loss=dict(w=3., dims=(-1,)))}
TRAIN_SEED, VALID_SEED, EVAL_SEED = 0, 1, 2

class TimeBudget(Callback):
    "Stop fitting once `seconds` have passed (the schedule is planned to finish well inside it)."
    def __init__(self, seconds): self.seconds = seconds
    def before_fit(self): self.t0 = time.time()
    def before_batch(self):
        if time.time() - self.t0 > self.seconds: self.learn.budget_hit = True; raise CancelFitException()

class InMemory:
    "A world's (log-mel, picture) pairs held in memory: drawn and transformed once, before the clock for training starts."
    def __init__(self, world, mel, cache):
        self.ds = world
        self.mels = torch.from_numpy(np.asarray(MelCache(world, mel, cache).mels, dtype=np.float32))
        self.imgs = torch.stack([world.image(i) for i in range(len(world))])
    def __len__(self): return len(self.ds)
    def __getitem__(self, i): return self.mels[i], self.imgs[i]

def train(direction, cfg, budget, cache, **split):
    "Fit the direction's default model on the training side of `split` (SynthWorld's holdout and split_seed; none: the world)."
    seed_everything(0)
    t0 = time.time()
    tr = InMemory(SynthWorld(n=cfg['n_train'], seed=TRAIN_SEED, **split), cfg['mel'], cache)
    va = InMemory(SynthWorld(n=256, seed=VALID_SEED, **split), cfg['mel'], cache)
    dls = pair_dls(tr, va, direction, bs=cfg['bs'], mel=cfg['mel'], shift=0, freq_mask=0, time_mask=0, device='cpu', seed=0)
    data_s = time.time() - t0
    model = (Audio2Image(**cfg['model'], mel=dls.mel) if direction == 'audio2img'  # mel: a pitch-aware encoder reads it
             else Image2Audio(**cfg['model'], mel=cfg['mel']))
    cbs = [TimeBudget(budget)]
    if direction == 'img2audio' and cfg['model'].get('decoder') == 'harmonic':  # as `build_learner` adds it
        cbs.append(F0Supervision(cfg.get('f0_weight', 1.)))
    learn = Learner(dls, model, loss_func=SharpMSE(**cfg['loss']), cbs=cbs)
    learn.budget_hit = False
    t0 = time.time()
    with learn.no_bar(): learn.fit_one_cycle(cfg['epochs'], cfg['lr'])
    fit_s = time.time() - t0
    return learn, dict(train_seconds=round(fit_s, 1), data_seconds=round(data_s, 1), budget_hit=learn.budget_hit,
                       epochs=cfg['epochs'], loss=f"SharpMSE({cfg['loss']})", n_train=cfg['n_train'], batch_size=cfg['bs'], lr=cfg['lr'], model=cfg['model'],
                       mel=cfg['mel'].to_dict() | dls.mel.to_dict(), n_params=sum(p.numel() for p in model.parameters()),
                       final_valid_loss=round(float(learn.recorder.values[-1][1]), 4) if learn.recorder.values else None)

def _probe(args):
    "Probe errors of a chunk of outputs (run in worker processes: pYIN is the slow part)."
    kind, params, outs = args
    return [probe_errors(p, **{kind: o}) for p, o in zip(params, outs)]

def score(kind, params, outs, workers, chunk=25):
    parts = [(kind, params[i:i + chunk], outs[i:i + chunk]) for i in range(0, len(params), chunk)]
    return probe_scores([e for part in map_chunks(_probe, parts, workers) for e in part], **TOLS)

def batched(f, x, bs=64): return torch.cat([f(x[i:i + bs]) for i in range(0, len(x), bs)])

def outputs(direction, learn, ev, n_iter):
    "Each method's answer to every item of the world `ev`: {method: pictures or sounds}, and which of the two they are."
    model, mel = learn.model.eval(), learn.dls.mel
    wavs = torch.stack([ev[i][0] for i in range(len(ev))])
    imgs = torch.stack([ev.image(i) for i in range(len(ev))])
    tr = learn.dls.train.dataset
    t0 = time.time()
    with torch.no_grad():
        if direction == 'audio2img':
            mels = mel.to_mel(wavs)[:, None]
            train_mels = mel.normalize(tr.mels)[:, None]
            outs = {'learned': batched(model, mels),
                    'retrieval': Retrieval(model.encoder, train_mels, tr.imgs)(mels),
                    'chroma_picture': torch.stack([chroma_picture(w) for w in wavs]),
                    'spectrogram_picture': torch.stack([spectrogram_picture(w) for w in wavs]),
                    'world_picture': torch.stack([world_picture(w) for w in wavs])}
            kind = 'img'
        else:
            outs = {'learned': batched(lambda x: mel_to_audio(model(x)[:, 0], mel, n_iter=n_iter), imgs),
                    'retrieval': Retrieval(model.encoder, tr.imgs, lambda i: tr.ds[i][0])(imgs),
                    'world_sound': torch.stack([world_sound(im) for im in imgs]),
                    'spectrogram_sound': torch.stack([spectrogram_sound(im) for im in imgs])}
            kind = 'wav'
    return outs, kind, time.time() - t0

def run_direction(direction, a):
    cfg = CONFIGS[direction]
    if a.decoder: cfg = cfg | dict(model=cfg['model'] | dict(decoder=a.decoder))
    learn, info = train(direction, cfg, a.budget, a.cache)
    print(f'{direction}: trained {info}', flush=True)
    ev = SynthWorld(n=a.n_eval, seed=EVAL_SEED)
    params = [ev.params(i) for i in range(len(ev))]
    outs, kind, gen_s = outputs(direction, learn, ev, a.n_iter)
    res = {}
    for name, o in outs.items():
        res[name] = score(kind, params, list(o), a.workers)
        print(direction, name, res[name], flush=True)
    res['learned'].update(info, generate_seconds_all_methods=round(gen_s, 1))
    if direction == 'img2audio': res['learned']['griffin_lim_iters'] = a.n_iter
    res['retrieval']['embedding'] = 'the learned translator\'s encoder, cosine similarity'
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--direction', choices=['both', 'audio2img', 'img2audio'], default='both')
    ap.add_argument('--n_eval', type=int, default=500, help='held-out items scored per method')
    ap.add_argument('--budget', type=float, default=300., help='most seconds of fitting per direction')
    ap.add_argument('--n_iter', type=int, default=32, help='Griffin-Lim rounds')
    ap.add_argument('--workers', type=int, default=2, help='processes that run the probes')
    ap.add_argument('--cache', default=str(ROOT/'bench'/'cache'), help='where the spectrogram caches go')
    ap.add_argument('--decoder', help="the learned translator's decoder (a registered image_decoder or mel_decoder); "
                                       "default: the default config's, cnn")
    ap.add_argument('--out', default='synth_quality', help='name of the result file in bench/results/')
    a = ap.parse_args()
    dirs = ['audio2img', 'img2audio'] if a.direction == 'both' else [a.direction]
    t0 = time.time()
    results = {d: run_direction(d, a) for d in dirs}
    met = {d: {k: results[d]['learned'][k] >= bar for k, bar in BARS[d].items()} for d in dirs}
    write_result(a.out, dict(results=results, bars={d: BARS[d] for d in dirs}, learned_meets_bars=met, tolerances=TOLS,
                             n_eval=a.n_eval, seeds=dict(train=TRAIN_SEED, valid=VALID_SEED, eval=EVAL_SEED, torch=0),
                             seconds=round(time.time() - t0, 1)))

if __name__ == '__main__': main()
