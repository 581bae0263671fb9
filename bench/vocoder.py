"""Does the neural vocoder turn spectrograms into sound better than Griffin-Lim, and no slower?

    python bench/vocoder.py                          # everything: copy-synthesis, speed (about 15 minutes on 2 CPU cores)
    python bench/vocoder.py --n_synth 50 --voice_clips 100 --skip_speed   # a quicker look

Copy-synthesis: true log-mels of sounds the vocoder never trained on, turned back into waveforms by each system
(Griffin-Lim at 32 and 256 rounds, and the vocoder), then compared with the originals. Two test sets:
`--n_synth` sounds of a synthetic world whose seed no training sound comes from, and every FSDD recording of
`--voice`, a voice the vocoder never heard. Measures (notebook 06a's conventions): multi-resolution STFT
distance, spectral convergence and spectral coherence per sound, on both sets; PESQ-WB and STOI (the `pesq` and
`pystoi` packages) on speech. STOI needs about 1.2 s of signal to be defined (30 frames of 384 samples at
10 kHz), and PESQ is specified for sentences of several seconds, while an FSDD recording lasts about half a
second: so the recordings and their copies are both joined, in the same order, into passages of at least
`--passage` seconds, and PESQ and STOI are scored per passage. Every measure reports mean, median and bootstrap
95% intervals.

Through the translators: the shipped synthetic-world image->audio model's sounds for `--n_probe` pictures of a world
it never saw, played by each system and read by the probes (notebook 06d's `probe_report`); and on digits, the
image->audio config trained once per FSDD voice (as bench/digits_quality.py does; `--runs` keeps and reuses the runs),
its sounds for the test pictures played by each system and read by the audio judge: semantic accuracy per voice,
their mean and the worst.

Speed: CPU time per second of audio for 2-second spectrograms, at batch 1 and batch 64, median of `--repeats`,
each system measured in the same run (and on the GPU when there is one).

Writes bench/results/vocoder.json, with the commit, the machine, the seeds and each N.
"""
import argparse, tempfile, time
from pathlib import Path

import numpy as np
import torch

from _common import write_result
from synesthesia.core import DEFAULT_SR, data_root, get_device
from synesthesia.world import SynthWorld
from synesthesia.signals import load_audio
from synesthesia.pairs import fsdd_recordings
from synesthesia.measures import summarize, mr_stft_distance, spectral_convergence, spectral_coherence
from synesthesia.img2audio import I2A_MEL
from synesthesia.pairs import DigitPairs
from synesthesia.config import speakers
from synesthesia.inference import load_checkpoint, translate_batch
from synesthesia.evaluation import probe_report
from synesthesia.judges import digit_judge, semantic_accuracy
from synesthesia.hub import load_pretrained
from digits_quality import fit, SPEAKERS
from synesthesia.vocoder import mel_to_audio, shipped_vocoder, check_vocoder, VOCODER_VOICE_OUT

SYNTH_SEED = 7  # no vocoder training sound comes from this world
PROBE_SEED = 2  # the pictures the synthetic translator is scored on (bench/synth_quality.py's too)
GRIFFIN_LIM = {'griffinlim32': dict(vocoder='griffinlim', n_iter=32), 'griffinlim256': dict(vocoder='griffinlim', n_iter=256)}
SIGNAL_MEASURES = dict(mr_stft=mr_stft_distance, spectral_convergence=spectral_convergence,
                       coherence=lambda r, o: spectral_coherence(r, o, DEFAULT_SR)['value'])
LOWER_IS_BETTER = {'mr_stft', 'spectral_convergence'}

def copies(wavs: list, system: dict, mel) -> list:
    "Each waveform's copy through `system`: its log-mel under `mel`, turned back into sound; cut to a common length."
    out = []
    for w in wavs:
        y = mel_to_audio(mel.to_mel(w), mel, **system)
        out.append(y[:len(w)])
    return out

def passages(wavs: list, seconds: float, sr: int=DEFAULT_SR) -> list:
    "Consecutive recordings joined into passages of at least `seconds` (the last joins its predecessor if short)."
    groups, cur = [], []
    for w in wavs:
        cur.append(w)
        if sum(map(len, cur)) >= seconds*sr: groups.append(cur); cur = []
    if cur: groups[-1].extend(cur) if groups else groups.append(cur)
    return [torch.cat(g) for g in groups]

def speech_scores(refs: list, outs: list, seconds: float) -> dict:
    "PESQ-WB and STOI of the outputs joined into passages, against the references joined the same way."
    from pesq import pesq
    from pystoi import stoi
    r, o = passages(refs, seconds), passages(outs, seconds)
    p = [pesq(DEFAULT_SR, a.numpy(), b.numpy(), 'wb') for a, b in zip(r, o)]
    s = [stoi(a.numpy(), b.numpy(), DEFAULT_SR) for a, b in zip(r, o)]
    return dict(pesq_wb=summarize(p), stoi=summarize(s), passages=len(r), passage_seconds=seconds)

def copy_synthesis(sets: dict, systems: dict, passage: float) -> dict:
    res = {}
    for name, (wavs, mel) in sets.items():
        res[name] = {}
        for sys_name, system in systems.items():
            t0 = time.time()
            outs = copies(wavs, system, mel)
            refs = [w[:len(y)] for w, y in zip(wavs, outs)]
            r = {k: summarize([f(a, b) for a, b in zip(refs, outs)]) for k, f in SIGNAL_MEASURES.items()}
            if name == 'voice': r.update(speech_scores(refs, outs, passage))
            r['seconds'] = round(time.time() - t0, 1)
            res[name][sys_name] = r
            print(name, sys_name, {k: round(v['mean'], 4) for k, v in r.items() if isinstance(v, dict)}, flush=True)
    return res

def synth_through(systems: dict, n: int, seed: int, workers: int) -> dict:
    "Probe scores of the shipped synthetic image->audio model's sounds for `n` unseen pictures, played by each system."
    ck = load_pretrained('synth-img2audio', device='cpu')
    world = SynthWorld(n=n, seed=seed, img_size=ck.config.img_size)
    pics, params = torch.stack([world.image(i) for i in range(n)]), [world.params(i) for i in range(n)]
    res = {}
    for name, system in systems.items():
        out = translate_batch(ck, pics, **system)
        res[name] = probe_report(params, sounds=out, sr=ck.mel.sr, workers=workers)
        print('synthetic probes', name, {k: round(v['value'], 3) for k, v in res[name].items() if isinstance(v, dict)}, flush=True)
    return dict(by_system=res, n=n, world_seed=seed, checkpoint='synth-img2audio')

def digits_through(systems: dict, runs: Path, judge_cache, seed: int) -> dict:
    "The audio judge's accuracy on each voice's image->audio model's test sounds, played by each system."
    per_voice = {name: {} for name in systems}
    for spk in SPEAKERS:
        run = runs/f'i2a_{spk}'
        fit('digits_img2audio.yaml', run, seed=seed, voices=spk)
        ck = load_checkpoint(run, device='cpu'); c = ck.config
        te = DigitPairs('test', holdout=c.holdout, test_speakers=speakers(c), sr=c.mel.sr, dur=c.dur, img_size=c.img_size)
        pics, labels = torch.stack([te.image(i) for i in range(len(te))]), torch.as_tensor(te.labels)
        judge = digit_judge('audio', holdout=c.holdout, cache=judge_cache)
        for name, system in systems.items():
            out = translate_batch(ck, pics, seed=seed, **system)
            per_voice[name][spk] = semantic_accuracy(judge, out, labels, seed=seed)['accuracy']
            print('digits', spk, name, round(per_voice[name][spk], 3), flush=True)
    return {name: dict(per_voice=v, mean=float(np.mean(list(v.values()))), worst=min(v.values()), n_per_voice=len(te))
            for name, v in per_voice.items()}

def speed(systems: dict, repeats: int, device) -> dict:
    "CPU (or GPU) seconds per second of audio, for 2-second spectrograms, at batch 1 and 64: median of `repeats`."
    res = {}
    frames = I2A_MEL.n_frames(2*DEFAULT_SR)
    for bs in (1, 64):
        m = torch.randn(bs, I2A_MEL.n_mels, frames, generator=torch.Generator().manual_seed(0)).to(device)
        for sys_name, system in systems.items():
            mel_to_audio(m, I2A_MEL, **system)  # warm up (and load the weights)
            ts = []
            for _ in range(repeats):
                if device.type == 'cuda': torch.cuda.synchronize()
                t = time.perf_counter(); mel_to_audio(m, I2A_MEL, **system)
                if device.type == 'cuda': torch.cuda.synchronize()
                ts.append(time.perf_counter() - t)
            res.setdefault(f'batch_{bs}', {})[sys_name] = dict(seconds_per_audio_second=float(np.median(ts))/(2*bs),
                                                                 repeats=repeats)
    return res

def verdict(cs: dict, sp: dict, tr: dict) -> dict:
    "Which bars hold: the vocoder beats both Griffin-Lim settings on every measure, PESQ/STOI floors, speed."
    beats = {}
    for s, by_sys in cs.items():
        for k, v in by_sys['neural'].items():
            if not isinstance(v, dict) or 'mean' not in v: continue
            better = (lambda a, b: a < b) if k in LOWER_IS_BETTER else (lambda a, b: a > b)
            beats[f'{s}/{k}'] = all(better(v['mean'], by_sys[g][k]['mean']) for g in ('griffinlim32', 'griffinlim256'))
    voice = cs['voice']['neural']
    bars = dict(beats_griffinlim_everywhere=all(beats.values()), pesq_wb_at_least_3=voice['pesq_wb']['mean'] >= 3.0,
                stoi_at_least_085=voice['stoi']['mean'] >= 0.85)
    if tr:
        probes = tr['synthetic']['by_system']
        keys = [k for k, v in probes['griffinlim32'].items() if isinstance(v, dict)]
        bars['synthetic_probes_no_worse'] = all(probes['neural'][k]['value'] >= probes['griffinlim32'][k]['value'] for k in keys)
        d = tr['digits']['neural']
        bars['digits_mean_at_least_90'], bars['digits_worst_at_least_80'] = d['mean'] >= 0.9, d['worst'] >= 0.8
    if sp: bars['no_slower_than_griffinlim32'] = all(b['neural']['seconds_per_audio_second'] <= b['griffinlim32']['seconds_per_audio_second']
                                               for b in sp.values())
    return dict(beats=beats, bars=bars)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n_synth', type=int, default=200, help='synthetic-world sounds to copy')
    ap.add_argument('--voice', default=VOCODER_VOICE_OUT, help='the FSDD voice the vocoder never heard')
    ap.add_argument('--voice_clips', type=int, default=500, help='recordings of that voice to copy (all: 500)')
    ap.add_argument('--passage', type=float, default=3., help='seconds of joined recordings per PESQ/STOI passage')
    ap.add_argument('--repeats', type=int, default=7, help='timings per system and batch size')
    ap.add_argument('--skip_speed', action='store_true')
    ap.add_argument('--skip_translators', action='store_true')
    ap.add_argument('--n_probe', type=int, default=200, help='synthetic pictures played through the translator')
    ap.add_argument('--runs', help='where the per-voice digits runs go (default: a temporary folder); finished runs are reused')
    ap.add_argument('--judge_cache', help='folder of trained digit judges (default: the cache folder)')
    ap.add_argument('--workers', type=int, default=2, help='processes for the probes')
    ap.add_argument('--vocoder', help="a saved vocoder's .safetensors file (default: the shipped one for I2A_MEL)")
    a = ap.parse_args()
    voc = a.vocoder or shipped_vocoder(I2A_MEL)
    if voc is None: raise SystemExit('no shipped vocoder for I2A_MEL: train one (python -m synesthesia.vocoder) and pass --vocoder')
    check_vocoder(voc)
    systems = dict(GRIFFIN_LIM, neural=dict(vocoder=str(voc)))
    torch.manual_seed(0)
    t0 = time.time()
    world = SynthWorld(n=a.n_synth, seed=SYNTH_SEED)
    recs = [r for r in fsdd_recordings(data_root()) if r[2] == a.voice][:a.voice_clips]
    if not recs: raise SystemExit(f'no FSDD recordings of the voice {a.voice!r}')
    # Copy-synthesis needs no statistics: I2A_MEL's identity normalisation hands the vocoders the log-mels as they are
    sets = {'synthetic': ([world.sound(i) for i in range(a.n_synth)], I2A_MEL),
            'voice': ([load_audio(r[0], DEFAULT_SR) for r in recs], I2A_MEL)}
    cs = copy_synthesis(sets, systems, a.passage)
    sp = {} if a.skip_speed else speed(systems, a.repeats, torch.device('cpu'))
    gpu = speed(systems, a.repeats, get_device()) if not a.skip_speed and torch.cuda.is_available() else None
    tr = {} if a.skip_translators else dict(
        synthetic=synth_through(systems, a.n_probe, PROBE_SEED, a.workers),
        digits=digits_through(systems, Path(a.runs or tempfile.mkdtemp(prefix='vocoder-runs-')), a.judge_cache, 0))
    write_result('vocoder', dict(copy_synthesis=cs, speed_cpu=sp, speed_gpu=gpu, through_translators=tr,
                                 **verdict(cs, sp, tr), vocoder=str(voc),
                                 synth_seed=SYNTH_SEED, n_synth=a.n_synth, voice=a.voice, voice_clips=len(recs),
                                 seconds=round(time.time() - t0, 1)))

if __name__ == '__main__': main()
