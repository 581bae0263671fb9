"""Checkpoints written before the config held its spectrogram convention whole still load, and translate as they did.

The folders in `fixtures/b128f44/` were written by synesthesia at commit b128f44 (`make_fixtures.py` beside them), with the
outputs their models gave then; the files are checked against the SHA-256 list each one holds, like any checkpoint."""
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from synesthesia.world import SynthWorld
from synesthesia.training import load_checkpoint
from synesthesia.metrics import model_inputs, translate_batch

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
