"""Log-mel extraction: the project's batched torchaudio path against per-clip librosa, side by side.

    python bench/features.py --n 1000 --repeats 5

Both compute the same log-mel spectrogram (MelSpec's settings: power mel, then log(mel + log_offset)) of N
two-second clips of the synthetic world: the project's path takes all N in one call (`MelSpec.log_mel`, which
works through them a few at a time on a CPU), librosa one clip at a time, as a feature loop does. Repeats
alternate between the two and the medians are reported, so machine noise hits both alike. librosa's loop runs
with one BLAS thread: it is no faster with two (1.28 against 1.30 s for 1000 clips, measured on 2 cores), and
two BLAS threads left spinning after it would slow the project's path timed next (0.22 against 0.18 s). Writes
bench/results/features.json (clips_per_s_project, clips_per_s_librosa, ratio, max_rel_error).
"""
import argparse, statistics, time

import librosa, numpy as np, torch
from threadpoolctl import threadpool_limits
from _common import write_result
from synesthesia.signals import MelSpec
from synesthesia.world import SynthWorld

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=1000, help='two-second clips')
    ap.add_argument('--repeats', type=int, default=5, help='timed runs of each path')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    ms, world = MelSpec(), SynthWorld(n=a.n, seed=a.seed, dur=2.)
    wavs = torch.stack([world[i][0] for i in range(a.n)])
    kw = dict(sr=ms.sr, n_fft=ms.n_fft, hop_length=ms.hop, n_mels=ms.n_mels, fmin=ms.f_min, fmax=ms.f_max)

    def project():
        with torch.inference_mode(): return ms.log_mel(wavs)
    def reference():
        with threadpool_limits(1): return np.stack([np.log(librosa.feature.melspectrogram(y=w, **kw) + ms.log_offset) for w in wavs.numpy()])

    project(); reference()  # warm up: filter banks, FFT plans, caches
    t_proj, t_ref = [], []
    for _ in range(a.repeats):
        t = time.perf_counter(); ours = project(); t_proj.append(time.perf_counter() - t)
        t = time.perf_counter(); ref = reference(); t_ref.append(time.perf_counter() - t)
    ours, ref = ours.double().exp().numpy() - ms.log_offset, np.exp(ref.astype(np.float64)) - ms.log_offset  # compare powers
    rel = float((np.abs(ours - ref)/ref.max(axis=(1, 2), keepdims=True)).max())
    cps_p, cps_r = a.n/statistics.median(t_proj), a.n/statistics.median(t_ref)
    write_result('features', dict(clips_per_s_project=round(cps_p, 1), clips_per_s_librosa=round(cps_r, 1), ratio=round(cps_p/cps_r, 2),
        max_rel_error=rel, error_definition='max over clips and bins of |ours - librosa| / (the clip\'s largest mel value)',
        n=a.n, clip_seconds=2.0, repeats=a.repeats, seed=a.seed, mel=ms.to_dict(), torch_threads=torch.get_num_threads(), librosa_blas_threads=1,
        seconds_project=[round(t, 3) for t in t_proj], seconds_librosa=[round(t, 3) for t in t_ref]))

if __name__ == '__main__': main()
