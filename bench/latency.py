"""Translation latency at batch 1: audio->image, and image->audio including Griffin-Lim, per call and per second of audio.

    python bench/latency.py                      # CPU: bench/results/latency_cpu.json
    python bench/latency.py --device cuda        # GPU: bench/results/latency_gpu.json

Times what a caller waits for, end to end, with `synesthesia.inference.translate_batch` (the path `synesthesia_evaluate`
and the widgets use): audio->image from a two-second waveform (log-mel, normalisation, encoder, decoder) to a picture;
image->audio from a picture (encoder, mel decoder, `--n_iter` rounds of Griffin-Lim) to a two-second waveform. The
models are the default configs' (`configs/audio2img.yaml`, `configs/img2audio.yaml`), built with their seed: latency
does not depend on the weights, so no trained run is needed (`--a2i`/`--i2a` time a trained one instead). Inputs are
items of the synthetic world. After `--warmup` untimed calls, `--repeats` calls of each direction alternate, so machine
noise hits both alike; medians and the 10th and 90th percentiles are reported. On a GPU, every call ends with
`torch.cuda.synchronize()`.
"""
import argparse, statistics, time
from pathlib import Path

import numpy as np
import torch

from _common import write_result, ROOT
from synesthesia.core import seed_everything, get_device
from synesthesia.world import SynthWorld
from synesthesia.config import load_config, build_model
from synesthesia.inference import load_checkpoint, Checkpoint, translate_batch

BARS = dict(audio2img_ms=20., img2audio_2s_ms=300.)  # the pipeline issue's bars, on a 2-core CPU

def checkpoint(config, run, device):
    "A trained run's best checkpoint, or the config's model as it is built (its seed's weights)."
    if run: return load_checkpoint(run, device=device)
    c = load_config(config)
    seed_everything(c.seed)
    return Checkpoint(build_model(c).to(device).eval(), c, c.mel, Path(config), {})

def percentiles(ts):
    ms = 1000*np.array(ts)
    return dict(median_ms=round(float(np.median(ms)), 2), p10_ms=round(float(np.percentile(ms, 10)), 2), p90_ms=round(float(np.percentile(ms, 90)), 2))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cpu', help="'cpu' (latency_cpu.json) or 'cuda' (latency_gpu.json)")
    ap.add_argument('--a2i_config', default=str(ROOT/'configs'/'audio2img.yaml'))
    ap.add_argument('--i2a_config', default=str(ROOT/'configs'/'img2audio.yaml'))
    ap.add_argument('--a2i', help='a trained audio->image run instead of the config\'s fresh model')
    ap.add_argument('--i2a', help='a trained image->audio run instead of the config\'s fresh model')
    ap.add_argument('--n_iter', type=int, default=32, help='Griffin-Lim rounds (what synesthesia_evaluate uses)')
    ap.add_argument('--repeats', type=int, default=50)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0, help='which synthetic world the inputs come from')
    a = ap.parse_args()
    device = get_device(a.device)
    cuda = device.type == 'cuda'
    a2i, i2a = checkpoint(a.a2i_config, a.a2i, device), checkpoint(a.i2a_config, a.i2a, device)
    world = SynthWorld(n=a.repeats + a.warmup, seed=a.seed, sr=a2i.config.mel.sr, dur=a2i.config.dur, img_size=i2a.config.img_size)
    wavs = [world.sound(i)[None].to(device) for i in range(len(world))]
    pics = [world.image(i)[None].to(device) for i in range(len(world))]
    seconds_out = i2a.config.dur

    def timed(f, x):
        if cuda: torch.cuda.synchronize()
        t = time.perf_counter(); y = f(x)
        if cuda: torch.cuda.synchronize()
        return time.perf_counter() - t, y

    run_a2i = lambda w: translate_batch(a2i, w)
    run_i2a = lambda p: translate_batch(i2a, p, n_iter=a.n_iter)
    t_a2i, t_i2a = [], []
    for i in range(len(world)):  # alternate the two, so that noise hits both alike
        ta, pic = timed(run_a2i, wavs[i])
        ti, wav = timed(run_i2a, pics[i])
        if i >= a.warmup: t_a2i.append(ta); t_i2a.append(ti)
    assert pic.shape[-3:] == (3, a2i.config.img_size, a2i.config.img_size) and wav.shape[-1] >= int(seconds_out*i2a.config.mel.sr)*0.99, (pic.shape, wav.shape)
    res_a2i, res_i2a = percentiles(t_a2i), percentiles(t_i2a)
    res_i2a['per_second_of_audio_ms'] = round(res_i2a['median_ms']/seconds_out, 2)
    result = dict(device=str(device), torch_threads=torch.get_num_threads(), batch_size=1, repeats=a.repeats, warmup=a.warmup,
                  audio2img=dict(res_a2i, input_seconds=a2i.config.dur, picture=a2i.config.img_size, model=a.a2i or Path(a.a2i_config).name,
                                   n_params=sum(p.numel() for p in a2i.model.parameters())),
                  img2audio=dict(res_i2a, output_seconds=seconds_out, griffin_lim_rounds=a.n_iter, n_mels=i2a.mel.n_mels,
                                   model=a.i2a or Path(a.i2a_config).name, n_params=sum(p.numel() for p in i2a.model.parameters())),
                  seeds=dict(world=a.seed, models=dict(audio2img=a2i.config.seed, img2audio=i2a.config.seed)),
                  what='median wall time of one translation at batch 1, input tensor to output tensor, through translate_batch')
    if not cuda and seconds_out == 2.:
        result['bars'] = BARS
        result['meets_bars'] = dict(audio2img=res_a2i['median_ms'] < BARS['audio2img_ms'], img2audio=res_i2a['median_ms'] < BARS['img2audio_2s_ms'])
    write_result('latency_gpu' if cuda else 'latency_cpu', result)

if __name__ == '__main__': main()
