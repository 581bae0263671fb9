"The neural vocoder that ships with the package: there, small, loadable offline, and found by both default image->audio models."
import json, warnings

import torch

from synesthesia.img2audio import I2A_MEL, griffin_lim
from synesthesia.hub import load_pretrained
from synesthesia.vocoder import shipped_vocoder, read_vocoder, load_vocoder, mel_to_audio, VOCODER_VOICE_OUT
from synesthesia.world import SynthWorld


def test_a_vocoder_ships_for_the_image_to_audio_spectrograms():
    p = shipped_vocoder(I2A_MEL)
    assert p is not None, 'no vocoder in synesthesia/pretrained/vocoders for I2A_MEL (python -m synesthesia.vocoder makes one)'
    assert p.stat().st_size + p.with_suffix('.json').stat().st_size <= 20e6
    meta = json.loads(p.with_suffix('.json').read_text())
    assert meta['voices'] and meta['voice_out'] == VOCODER_VOICE_OUT  # the benchmark's unseen voice was never heard
    voc = read_vocoder(p)
    assert not voc.training and voc.mel.spectral == I2A_MEL.spectral


def test_both_default_translators_play_through_it(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    wav = SynthWorld(n=1, seed=5).sound(0)
    for name in ('synth-img2audio', 'digits-img2audio'):
        mel = load_pretrained(name, device='cpu').mel  # each model's own statistics: the vocoder does not mind them
        assert load_vocoder('neural', mel) is not None, name
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # no fallback to Griffin-Lim, and so no warning
            out = mel_to_audio(mel.to_mel(wav), mel, 'neural')
        assert out.shape == griffin_lim(mel.to_mel(wav), mel, 2).shape and torch.isfinite(out).all()
        assert 0.1 < out.std()/wav[:len(out)].std() < 10  # a sound at about the level it was
