"""Checkpoints written before the config held its spectrogram convention whole still load, and translate as they did.

The folders in `fixtures/b128f44/` were written by synesthesia at commit b128f44 (`make_fixtures.py` beside them), with the
outputs their models gave then; the files are checked against the SHA-256 list each one holds, like any checkpoint."""
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from synesthesia.world import SynthWorld
from synesthesia.inference import load_checkpoint, model_inputs, translate_batch

OLD = Path(__file__).resolve().parent/'fixtures'/'b128f44'

def old_outputs(ck):
    "What the checkpoint's model makes of the items it was saved with: pictures (a flow's drawn with seed 0), or log-mels."
    world = SynthWorld(n=2, seed=9, img_size=32)
    if ck.config.direction.startswith('audio'): return translate_batch(ck, torch.stack([world[i][0] for i in range(2)]), seed=0, steps=4)
    with torch.no_grad(): return ck.model(model_inputs(ck, torch.stack([world[i][1] for i in range(2)])))

@pytest.mark.parametrize('name', ['a2i', 'i2a', 'a2i_flow'])
def test_an_old_checkpoint_loads_and_translates_as_it_did(name):
    ck = load_checkpoint(OLD/name, device='cpu')
    torch.testing.assert_close(old_outputs(ck), load_file(OLD/f'{name}.expected.safetensors')['output'], rtol=1e-5, atol=1e-5)

def test_an_old_config_is_read_in_the_new_layout(capsys):
    "The six spectrogram keys become one `MelSpec`, `d` becomes `latent_dim`, the long directions short; one note says so."
    i2a = load_checkpoint(OLD/'i2a', device='cpu')
    assert (i2a.config.direction, i2a.config.latent_dim) == ('img2audio', 8)
    assert (i2a.config.mel.hop, i2a.config.mel.n_mels, i2a.config.mel.f_max) == (512, 32, 4000.)  # its own convention
    assert (i2a.mel.hop, i2a.mel.n_mels) == (512, 32) and i2a.mel.std != 1.  # and the statistics fitted in training
    notes = [l for l in capsys.readouterr().err.splitlines() if l.startswith('note:')]
    assert notes and all('config.yaml: old keys read as' in l for l in notes), notes
    assert 'd -> latent_dim' in notes[0] and 'n_mels -> mel.n_mels' in notes[0] and 'image2audio -> img2audio' in notes[0]
    flow = load_checkpoint(OLD/'a2i_flow', device='cpu')
    assert flow.config.direction == 'audio2img' and flow.model.guide is not None and flow.config.mel.n_mels == 64
