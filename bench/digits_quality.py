"""How well do the translators carry spoken and written digits across, and do they beat retrieval?

    python bench/digits_quality.py            # needs the digits data: $SYNESTHESIA_DATA (or download_digits())

Trains, through `synesthesia.training` and the configs in configs/, on spoken x written digits:
- audio->image, deterministic head (configs/digits_audio2img.yaml), on held-out takes and, one voice at a time, on each
  of the five held-out speakers (leave one speaker out);
- audio->image, flow head guided by the takes run (configs/digits_audio2img_flow.yaml), drawn with the number of Euler
  steps, and then the classifier-free guidance weight, that give the lowest FD on the validation split; beside it, how
  semantic accuracy and FD move with the guidance weight on the test split (reported, not chosen on);
- image->audio, deterministic head (configs/digits_img2audio.yaml), on held-out takes: the config's voice is the model,
  and each of the other four voices is trained and scored the same way beside it.
Every model is scored by `synesthesia.evaluation.evaluate` (the same code as `synesthesia_evaluate`): semantic accuracy by
the digit judges (trained on data disjoint from what they judge; their accuracy and weight hashes are recorded), FD and
KID against real test digits or recordings on the judge's and on training-free features, class-conditional KID.
The retrieval baseline (the training pair whose source is nearest in the trained model's own encoder) is scored the
same way at the same N, and so is real data; FD's own noise at that N is measured over independent draws of real digits.
The 250 test items are under 2 d for the judge's d = 128 features, and METRICS.md prefers N >= 10 d: so audio->image is
also compared at N = 10 d rounded up to whole draws, each test sound answered several times (the flow with fresh noise,
retrieval with its nearest training pairs in turn, the deterministic head with its one picture each time).
Writes bench/results/digits_quality.json.
"""
import argparse, contextlib, io, json, tempfile, time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from _common import write_result, ROOT
from synesthesia.pairs import DigitPairs
from synesthesia.config import load_config, speakers, build_datasets
from synesthesia.training import train
from synesthesia.inference import load_checkpoint, find_checkpoint, translate_batch
from synesthesia.heads import Retrieval
from synesthesia.evaluation import evaluate, distribution_scores, classwise_kid, diversity
from synesthesia.judges import digit_judge, digit_pictures, digit_log_mels, semantic_accuracy
from synesthesia.extractors import random_image_net, random_audio_net, MFCCStats
from synesthesia.measures import frechet_distance

SPEAKERS = ('jackson', 'lucas', 'nicolas', 'theo', 'yweweler')
FLOW_STEPS = (16, 32, 64, 128)  # the flow's Euler steps tried on the validation split
GUIDANCE = (1., 1.5, 2., 3.)     # classifier-free guidance weights tried there (for a flow trained with cond_drop)

def fit(config, out, **overrides):
    """Train one config (quietly) into `out`; returns the seconds it took (for a finished run already there, trained with the
    same config: the training seconds its checkpoint records, or for older runs its epochs' time from its log; a run with
    another config is refused, never scored in its place)."""
    c = load_config(ROOT/'configs'/config, overrides)
    if (out/'checkpoints'/'best').is_file():  # a rerun after an interruption keeps the runs that finished
        old = load_config(out/'config.yaml')
        if (diff := [f'{k}: {v!r} (configs/{config}: {getattr(c, k)!r})' for k, v in asdict(old).items() if getattr(c, k) != v]):
            raise SystemExit(f'{out}: trained with another config than this bench trains, {"; ".join(diff)}; move it away or choose another --runs')
        meta = json.loads((find_checkpoint(out, 'last')/'meta.json').read_text())
        if meta.get('train_seconds') is not None: return dict(reused=True, seconds=meta['train_seconds'])
        times = [l.rsplit(',', 1)[1].split(':') for l in (out/'log.csv').read_text().splitlines()[1:]]  # (older runs: whole seconds an epoch)
        return dict(reused=True, seconds_of_epochs=sum(int(m)*60 + int(s) for m, s in times))
    t0 = time.time()
    with contextlib.redirect_stdout(io.StringIO()): train(c, out, progress=False)
    return round(time.time() - t0, 1)

def keep(m):
    "The numbers of an evaluation worth recording (the confusion matrix and settings stay in)."
    return {k: m[k] for k in ('semantic', 'distribution', 'classwise_kid', 'diversity', 'n', 'seed', 'epoch', 'head', 'encoder') if k in m}

def accuracy_record(m, train_seconds, **more):
    "The semantic accuracy of one evaluation, for the per-voice and per-speaker tables."
    return dict(semantic_accuracy=m['semantic']['accuracy'], ci95=m['semantic']['ci95'], n=m['n'], train_seconds=train_seconds, **more)

def run_splits(c):
    "A run's own training pairs and its test pairs (the test split keeps every voice)."
    return build_datasets(c, 'train', 'test')

def retrieval(run, judge_cache, seed=0):
    "The retrieval baseline for a trained run: each test source answered with the target of its nearest training pair."
    ck = load_checkpoint(run, device='cpu')
    c = ck.config
    tr, te = run_splits(c)
    a2i = c.direction == 'audio2img'
    if a2i:
        r = Retrieval(ck.model.encoder, ck.mel.normalize(digit_log_mels(tr, ck.mel)), tr.image)
        out = r(ck.mel.normalize(digit_log_mels(te, ck.mel)))
        real, real_labels = digit_pictures(te)
        extractors = [digit_judge('image', cache=judge_cache), random_image_net()]
    else:
        pics = torch.stack([te.image(i) for i in range(len(te))])
        r = Retrieval(ck.model.encoder, torch.stack([tr.image(i) for i in range(len(tr))]), tr.sound)
        out = r(pics)
        real = torch.stack([te.sound(i) for i in range(len(te))])
        real_labels = te.labels
        extractors = [digit_judge('audio', holdout=c.holdout, cache=judge_cache), random_audio_net(), MFCCStats()]
    labels = torch.as_tensor(te.labels)
    res = dict(semantic=semantic_accuracy(extractors[0], out, labels, seed=seed), n=len(out),
               distribution={e.tag: distribution_scores(e, out, real, seed) for e in extractors},
               classwise_kid=classwise_kid(extractors[0], out, labels, real, real_labels, seed),
               embedding=f'the trained {c.encoder} encoder of {Path(run).name}', keys=f'{len(tr)} training sources')
    return res

def flow_sampling_by_validation(run, judge_cache, seed=0, n=250):
    """FD on the judge's features of the flow's drawings for n validation items: for each number of steps in FLOW_STEPS
    (unguided), then, at the steps chosen, for each guidance weight in GUIDANCE (a flow trained with cond_drop). The test split must not choose."""
    ck = load_checkpoint(run, device='cpu')
    c = ck.config
    va = DigitPairs('valid', holdout=c.holdout, sr=c.mel.sr, dur=c.dur, img_size=c.img_size)
    idx = sorted(np.random.default_rng(seed).choice(len(va), min(n, len(va)), replace=False).tolist())
    wavs, real = torch.stack([va[i][0] for i in idx]), digit_pictures(va)[0]
    judge = digit_judge('image', holdout=c.holdout, cache=judge_cache)
    score = lambda k, w: distribution_scores(judge, translate_batch(ck, wavs, seed=seed, steps=k, guidance=w), real, seed)['fd']
    fd = {k: score(k, 1.) for k in FLOW_STEPS}
    steps = min(fd, key=fd.get)
    by_w = {w: fd[steps] if w == 1 else score(steps, w) for w in (GUIDANCE if c.cond_drop else (1.,))}
    return dict(fd=fd, chosen=steps, fd_by_guidance=by_w, guidance=min(by_w, key=by_w.get), n=len(idx), extractor=judge.tag)

def guidance_tradeoff(run, steps, judge_cache, seed=0):
    "Semantic accuracy and FD/KID on the judge for each guidance weight in GUIDANCE, on the test items: what guidance buys and costs (no choice is made here)."
    ck = load_checkpoint(run, device='cpu')
    c = ck.config
    te = DigitPairs('test', holdout=c.holdout, sr=c.mel.sr, dur=c.dur, img_size=c.img_size)
    wavs, labels, real = torch.stack([te[i][0] for i in range(len(te))]), torch.as_tensor(te.labels), digit_pictures(te)[0]
    judge, res = digit_judge('image', holdout=c.holdout, cache=judge_cache), {}
    for w in GUIDANCE:
        out = translate_batch(ck, wavs, seed=seed, steps=steps, guidance=w)
        d = distribution_scores(judge, out, real, seed)
        res[w] = dict(semantic_accuracy=semantic_accuracy(judge, out, labels, seed=seed)['accuracy'], fd=d['fd'], kid=d['kid'])
    return dict(by_guidance=res, steps=steps, n=len(te), extractor=judge.tag)

def validation_accuracy(run, judge_cache, seed=0):
    """Semantic accuracy of an image->audio run on the validation split (pictures of the validation pool, every voice's takes 5-9):
    the number to choose a voice by, since the test split must not choose."""
    ck = load_checkpoint(run, device='cpu')
    c = ck.config
    va = DigitPairs('valid', holdout=c.holdout, test_speakers=speakers(c), sr=c.mel.sr, dur=c.dur, img_size=c.img_size)
    out = translate_batch(ck, torch.stack([va.image(i) for i in range(len(va))]), seed=seed)
    return semantic_accuracy(digit_judge('audio', holdout=c.holdout, cache=judge_cache), out, torch.as_tensor(va.labels), seed=seed)['accuracy']

def same_class(rng, pool_labels, labels):
    "Indices of distinct items of `pool_labels`, one of the same class for each of `labels`."
    pool_labels, labels = np.asarray(pool_labels), np.asarray(labels)
    idx = np.empty(len(labels), dtype=int)
    for d in np.unique(labels):
        at = np.flatnonzero(labels == d)
        idx[at] = rng.choice(np.flatnonzero(pool_labels == d), len(at), replace=False)
    return idx

def fd_noise(extractor, pool, pool_labels, reference, labels, draws: int=30, seed=0):
    """How much FD moves between equally good answers at this N: FD against `reference` of `draws` independent draws from
    `pool`, each holding distinct items, one of the same class as each of `labels`. (Resampling one set with replacement would
    not do: its repeated items inflate FD, here from about 5 to 12.)"""
    fp, fr = extractor.features(pool), extractor.features(reference)
    rng = np.random.default_rng([seed, 1])
    fds = [frechet_distance(fp[same_class(rng, pool_labels, labels)], fr) for _ in range(draws)]
    return dict(mean=float(np.mean(fds)), sd=float(np.std(fds, ddof=1)), min=float(np.min(fds)), max=float(np.max(fds)), draws=draws, extractor=extractor.tag)

def real_floor(judge_cache, seed=0):
    """Real against real, scored exactly as a translator's outputs are: for each test item, a real training-split item of the
    same digit in place of the output (the outputs follow the test items' digits, so the real stand-ins do too)."""
    rng = np.random.default_rng(seed)
    tr, te = DigitPairs('train', img_size=32), DigitPairs('test', img_size=32)
    same_digit = lambda labels: torch.as_tensor(same_class(rng, labels, te.labels))
    pics, labels = digit_pictures(tr)
    pick = same_digit(labels.numpy())
    real, real_labels = digit_pictures(te)
    judge = digit_judge('image', cache=judge_cache)
    img = dict(what=f'for each of the {len(te)} test items, a training-pool picture of its digit, against the {len(real)} test-pool pictures',
               distribution={e.tag: distribution_scores(e, pics[pick], real, seed) for e in (judge, random_image_net())},
               classwise_kid=classwise_kid(judge, pics[pick], labels[pick], real, real_labels, seed),
               fd_noise=fd_noise(judge, pics, labels.numpy(), real, te.labels, seed=seed))
    pick = same_digit(tr.labels)
    a, b = torch.stack([tr.sound(int(i)) for i in pick]), torch.stack([te.sound(i) for i in range(len(te))])
    judge = digit_judge('audio', cache=judge_cache)
    aud = dict(what=f'for each of the {len(te)} test recordings, a training recording of its digit (any voice), against the test recordings',
               distribution={e.tag: distribution_scores(e, a, b, seed) for e in (judge, random_audio_net(), MFCCStats())},
               classwise_kid=classwise_kid(judge, a, torch.as_tensor(tr.labels[pick.numpy()]), b, torch.as_tensor(te.labels), seed))
    return dict(images=img, sounds=aud)

def at_ten_d(det_run, flow_run, steps, guidance, judge_cache, seed=0):
    """Audio->image FD and KID at N >= 10 d, as METRICS.md prefers: each test sound answered `draws` times, by the flow with
    independent noise, by retrieval with its `draws` nearest training pairs (in the deterministic run's encoder, as `retrieval`),
    by the deterministic head with its one picture each time, and by real data with distinct training-pool pictures of its digit;
    FD's noise at this N over independent real draws beside them."""
    det, flow = load_checkpoint(det_run, device='cpu'), load_checkpoint(flow_run, device='cpu')
    c = det.config
    tr, te = run_splits(c)
    judge = digit_judge('image', cache=judge_cache)
    extractors = [judge, random_image_net()]
    draws = -(-10*judge.d // len(te))
    wavs, labels = torch.stack([te[i][0] for i in range(len(te))]), torch.as_tensor(te.labels).repeat(draws)
    real = digit_pictures(te)[0]
    pool, pool_labels = digit_pictures(DigitPairs('train', img_size=c.img_size))
    nearest = Retrieval(det.model.encoder, det.mel.normalize(digit_log_mels(tr, det.mel)), tr.image).nearest(det.mel.normalize(digit_log_mels(te, det.mel)), k=draws)
    outputs = dict(flow=torch.cat([translate_batch(flow, wavs, seed=seed*draws + s, steps=steps, guidance=guidance) for s in range(draws)]),
                   retrieval=torch.stack([torch.as_tensor(tr.image(int(i))) for i in nearest.T.flatten()]),  # the nearest for every sound, then the second, ...
                   deterministic=translate_batch(det, wavs).repeat(draws, 1, 1, 1),
                   real=pool[same_class(np.random.default_rng([seed, 2]), pool_labels.numpy(), labels.numpy())])
    systems = {k: dict(semantic_accuracy=semantic_accuracy(judge, out, labels, seed=seed)['accuracy'],
                       distribution={e.tag: distribution_scores(e, out, real, seed) for e in extractors}) for k, out in outputs.items()}
    systems['retrieval']['distinct_pictures'] = len(set(nearest.flatten().tolist()))
    return dict(draws=draws, n=len(labels), d=judge.d, n_reference=len(real), flow_steps=steps, flow_guidance=guidance, systems=systems,
                fd_noise=fd_noise(judge, pool, pool_labels.numpy(), real, labels.numpy(), seed=seed))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', default=None, help='where the runs go (default: a temporary folder); finished runs found there are reused')
    ap.add_argument('--judge_cache', default=None, help='folder of trained judges (default: cache/judges beside the data)')
    ap.add_argument('--speakers', default=','.join(SPEAKERS), help='voices held out one at a time')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    t_all = time.time()
    runs = Path(a.runs or tempfile.mkdtemp(prefix='digits_quality-'))
    judges = {m: digit_judge(m, cache=a.judge_cache).describe() for m in ('image', 'audio')}
    res = dict(judges=judges, seed=a.seed)
    print('judges', {k: (v['tag'], v['accuracy']) for k, v in judges.items()}, flush=True)
    res['real_vs_real'] = real_floor(a.judge_cache, seed=a.seed)  # the floor FD and KID reach at this N (retrieval sits on it)
    print('real vs real FD', {k: round(v['fd'], 2) for k, v in res['real_vs_real']['images']['distribution'].items()}, flush=True)

    s = fit('digits_audio2img.yaml', runs/'a2i', seed=a.seed)
    m, _ = evaluate(runs/'a2i', seed=a.seed, judge_cache=a.judge_cache, device='cpu')
    res['audio2img_takes'] = dict(keep(m), train_seconds=s, retrieval=retrieval(runs/'a2i', a.judge_cache, a.seed))
    print('a2i takes', m['semantic']['accuracy'], 'retrieval', res['audio2img_takes']['retrieval']['semantic']['accuracy'], flush=True)

    s = fit('digits_audio2img_flow.yaml', runs/'a2i_flow', seed=a.seed, guide=str(runs/'a2i'))
    steps = flow_sampling_by_validation(runs/'a2i_flow', a.judge_cache, a.seed)
    print('flow steps by validation FD', steps['fd'], 'guidance', steps['fd_by_guidance'], flush=True)
    m, _ = evaluate(runs/'a2i_flow', seed=a.seed, steps=steps['chosen'], guidance=steps['guidance'], judge_cache=a.judge_cache, device='cpu')
    real, labels = digit_pictures(DigitPairs('test', img_size=32))
    groups = torch.cat([real[labels == d][:4*((labels == d).sum()//4)].reshape(-1, 4, *real.shape[1:]) for d in range(10)])  # 4 real digits of one class each
    res['audio2img_flow_takes'] = dict(keep(m), flow_steps=steps['chosen'], flow_guidance=steps['guidance'], steps_by_validation=steps, train_seconds=s,
                                         real_same_class_diversity=diversity(groups, seed=a.seed))
    if len(steps['fd_by_guidance']) > 1:  # a flow trained with cond_drop
        res['audio2img_flow_takes']['guidance_tradeoff'] = guidance_tradeoff(runs/'a2i_flow', steps['chosen'], a.judge_cache, a.seed)
    print('a2i flow', m['semantic']['accuracy'], flush=True)
    res['audio2img_at_10d'] = at_ten_d(runs/'a2i', runs/'a2i_flow', steps['chosen'], steps['guidance'], a.judge_cache, a.seed)
    print('a2i at N =', res['audio2img_at_10d']['n'], 'FD', {k: round(v['distribution'][judges['image']['tag']]['fd'], 2)
          for k, v in res['audio2img_at_10d']['systems'].items()}, 'noise', res['audio2img_at_10d']['fd_noise'], flush=True)

    s = fit('digits_img2audio.yaml', runs/'i2a', seed=a.seed)
    m, _ = evaluate(runs/'i2a', seed=a.seed, judge_cache=a.judge_cache, device='cpu')
    voice = load_config(ROOT/'configs'/'digits_img2audio.yaml').voices
    res['img2audio_takes'] = dict(keep(m), voice=voice, train_seconds=s, retrieval=retrieval(runs/'i2a', a.judge_cache, a.seed))
    print('i2a takes', voice, m['semantic']['accuracy'], 'retrieval', res['img2audio_takes']['retrieval']['semantic']['accuracy'], flush=True)
    by_voice = {voice: accuracy_record(m, s, validation_accuracy=validation_accuracy(runs/'i2a', a.judge_cache, a.seed))}
    for spk in SPEAKERS:  # the same config in each of the other voices: how much the choice of voice matters
        if spk == voice: continue
        s = fit('digits_img2audio.yaml', runs/f'i2a_{spk}', seed=a.seed, voices=spk)
        m, _ = evaluate(runs/f'i2a_{spk}', seed=a.seed, judge_cache=a.judge_cache, device='cpu')
        by_voice[spk] = accuracy_record(m, s, validation_accuracy=validation_accuracy(runs/f'i2a_{spk}', a.judge_cache, a.seed))
        print('i2a takes, voice', spk, by_voice[spk]['semantic_accuracy'], flush=True)
    res['img2audio_voices'] = dict(per_voice=by_voice, mean_semantic_accuracy=float(np.mean([v['semantic_accuracy'] for v in by_voice.values()])))

    loso = {}
    for spk in a.speakers.split(','):
        s = fit('digits_audio2img.yaml', runs/f'a2i_{spk}', seed=a.seed, holdout='speakers', test_speakers=spk)
        m, _ = evaluate(runs/f'a2i_{spk}', seed=a.seed, judge_cache=a.judge_cache, device='cpu')
        loso[spk] = accuracy_record(m, s)
        print('a2i held-out speaker', spk, loso[spk]['semantic_accuracy'], flush=True)
    res['audio2img_speakers'] = dict(per_speaker=loso, mean_semantic_accuracy=float(np.mean([v['semantic_accuracy'] for v in loso.values()])))
    res['seconds'] = round(time.time() - t_all, 1)
    res['runs'] = str(runs)
    write_result('digits_quality', res)

if __name__ == '__main__': main()
