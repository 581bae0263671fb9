"""Does the generative audio->image head draw varied digits that a classifier recognises?

    python bench/digits_generative.py                  # needs the digits data: $SYNESTHESIA_DATA or download_digits()

Trains, on spoken x written digits (held-out takes), the deterministic head (`Audio2Image`, L1) and the flow-matching
head (a `FlowTranslator` whose audio encoder starts as the deterministic head's trained one, and which sees that head's
picture as a guide, so it learns how the written digits vary around it: the flow loss alone is a weak signal for learning
to tell spoken digits apart, see `--flow_encoder scratch` and `--flow_guide 0`), each for at most `--budget` seconds;
trains a small digit classifier on the training pool's written digits and reports its accuracy on the test pool's real
digits. Then, for every test recording, draws `--draws` pictures and reports:
- recognised: the share of drawn pictures the classifier reads as the spoken digit;
- diversity: the mean L1 distance (per pixel, pictures in [0, 1]) between two drawings for the same recording,
  beside the same distance between two real written digits of the same class (what "as varied as real digits"
  would be) and 0 for the deterministic head, which draws one picture per sound.
Writes bench/results/digits_generative.json. The metrics issue sets the final bar.
"""
import argparse, copy, time
from itertools import combinations

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from PIL import Image
from fastai.basics import Learner
from fastai.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner)

from _common import write_result, ROOT
from synth_quality import TimeBudget, InMemory
from synesthesia.core import seed_everything
from synesthesia.pairs import DigitPairs
from synesthesia.signals import MelSpec
from synesthesia.data import MelCache, pair_dls
from synesthesia.backbones import create
from synesthesia.audio2img import Audio2Image
from synesthesia.heads import FlowTranslator, FlowMatching

SIZE = 32

def picture(a: np.ndarray) -> torch.Tensor:
    "A 28x28 written digit as DigitPairs draws it: RGB, resized to SIZE with Lanczos, in [0, 1]."
    return torch.from_numpy(np.asarray(Image.fromarray(a).convert('RGB').resize((SIZE, SIZE), Image.Resampling.LANCZOS))).permute(2, 0, 1).float()/255

def classifier(width=32):
    "A small CNN digit classifier over (3, 32, 32) pictures."
    return nn.Sequential(create('image_encoder', 'cnn', latent_dim=128, width=width), nn.ReLU(), nn.Linear(128, 10))

def train_classifier(ds, epochs, seed=0):
    "Fit the classifier on every written digit of the training images' pool (not only those paired with recordings)."
    seed_everything(seed)
    idx = np.concatenate(list(ds.pool.values()))
    x = torch.stack([picture(ds.images[i]) for i in idx])
    y = torch.from_numpy(np.concatenate([[d]*len(v) for d, v in ds.pool.items()]))
    net = classifier()
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    steps = epochs*(len(x)//64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 4e-3, total_steps=steps)
    for _ in range(epochs):
        for b in torch.randperm(len(x)).split(64)[:len(x)//64]:
            xb = x[b]
            xb = torch.roll(xb, tuple(np.random.randint(-2, 3, 2)), (-2, -1))  # small shifts: drawings need not be centred like MNIST
            loss = F.cross_entropy(net(xb), y[b]); opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    return net.eval()

def accuracy(net, imgs, labels):
    with torch.no_grad(): return float((torch.cat([net(b).argmax(-1) for b in imgs.split(256)]) == labels).float().mean())

def fit(model, dls, epochs, budget, flow):
    learn = Learner(dls, model, loss_func=nn.MSELoss() if flow else nn.L1Loss(), cbs=[TimeBudget(budget)] + ([FlowMatching()] if flow else []))
    learn.budget_hit = False
    t0 = time.time()
    with learn.no_bar(): learn.fit_one_cycle(epochs, 3e-3)
    return learn, dict(train_seconds=round(time.time() - t0, 1), budget_hit=learn.budget_hit, epochs=epochs)

def mean_pairwise_l1(x): return float(np.mean([(a - b).abs().mean().item() for a, b in combinations(x, 2)]))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budget', type=float, default=300., help='most seconds of fitting per model')
    ap.add_argument('--epochs', type=int, default=8, help='epochs of the deterministic translator')
    ap.add_argument('--flow_epochs', type=int, default=12, help='epochs of the flow-matching translator')
    ap.add_argument('--flow_encoder', choices=['deterministic', 'scratch'], default='deterministic',
                    help="the flow's audio encoder: the deterministic head's trained one (fine-tuned), or a fresh one")
    ap.add_argument('--flow_guide', type=int, default=1, help='1: the flow sees the deterministic head\'s picture; 0: it does not')
    ap.add_argument('--draws', type=int, default=4, help='pictures drawn per test recording')
    ap.add_argument('--steps', type=int, default=16, help='Euler steps per drawing')
    ap.add_argument('--cache', default=str(ROOT/'bench'/'cache'))
    a = ap.parse_args()
    t_all = time.time()
    mel = MelSpec()
    sets = {s: InMemory(DigitPairs(s, holdout='takes', img_size=SIZE), mel, a.cache) for s in ('train', 'valid', 'test')}
    tr, te = sets['train'], sets['test']
    t0 = time.time()
    clf = train_classifier(tr.ds, epochs=3)
    clf_s = time.time() - t0
    real_test = torch.stack([picture(te.ds.images[i]) for i in np.concatenate(list(te.ds.pool.values()))])
    real_labels = torch.from_numpy(np.concatenate([[d]*len(v) for d, v in te.ds.pool.items()]))
    res = dict(classifier=dict(accuracy_on_test_pool_real_digits=accuracy(clf, real_test, real_labels), n=len(real_test),
                               train_seconds=round(clf_s, 1), trained_on='every written digit of the training pool (disjoint from the test pool)'))
    print(res, flush=True)
    # as varied as real digits: two different real test-pool digits of the same class
    g = torch.Generator().manual_seed(0)
    real_div = np.mean([mean_pairwise_l1(real_test[real_labels == d][torch.randperm(int((real_labels == d).sum()), generator=g)[:a.draws]]) for d in range(10)])
    res['real_digits_same_class_l1'] = round(float(real_div), 4)
    dls = pair_dls(tr, sets['valid'], 'audio2img', bs=32, mel=mel, shift=0.05, device='cpu', seed=0)
    test_mels = dls.mel.normalize(te.mels)[:, None]
    det = None
    for name, flow in (('deterministic', False), ('flow', True)):
        seed_everything(0)
        if not flow: model = Audio2Image(size=SIZE)
        else:  # the deterministic head's encoder already tells the spoken digits apart
            enc = copy.deepcopy(det.encoder) if a.flow_encoder == 'deterministic' else create('audio_encoder', 'cnn', latent_dim=128, width=32)
            model = FlowTranslator(enc, (3, SIZE, SIZE), latent_dim=128, width=32, guide=det if a.flow_guide else None)
        learn, info = fit(model, dls, a.flow_epochs if flow else a.epochs, a.budget, flow)
        if not flow: det = model
        if flow: info.update(encoder='the deterministic head\'s trained encoder, fine-tuned' if a.flow_encoder == 'deterministic'
                                     else 'trained from scratch by the flow loss',
                             guide='the deterministic head (frozen), its picture an input of the FlowNet' if model.guide is not None else None)
        model.eval()
        with torch.no_grad():
            if flow: draws = torch.stack([torch.cat([model.sample(b, steps=a.steps, seed=k) for b in test_mels.split(128)]) for k in range(a.draws)], 1)
            else: draws = torch.cat([model(b) for b in test_mels.split(128)])[:, None]
        n, k = draws.shape[:2]
        rec = accuracy(clf, draws.flatten(0, 1), torch.as_tensor(te.ds.labels).repeat_interleave(k))
        div = np.mean([mean_pairwise_l1(d) for d in draws]) if k > 1 else 0.
        res[name] = dict(info, recognised=round(rec, 4), diversity_l1=round(float(div), 4), n_recordings=n, draws_per_recording=k,
                         euler_steps=a.steps if flow else None, n_params=sum(p.numel() for p in model.parameters()))
        print(name, res[name], flush=True)
    write_result('digits_generative', dict(res, holdout='takes', picture_size=SIZE, seeds=dict(torch=0, pairing=0, draws=list(range(a.draws))),
                                           seconds=round(time.time() - t_all, 1)))

if __name__ == '__main__': main()
