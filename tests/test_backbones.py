"Backbones at shapes other than the notebook's defaults: other picture sizes, mel band counts and clip lengths."
import pytest
import torch
from synesthesia.backbones import REGISTRY, create

@pytest.mark.parametrize('size', [32, 128])
@pytest.mark.parametrize('enc', sorted(REGISTRY['audio_encoder']))
def test_audio_to_image_at_other_sizes(enc, size):
    mel = torch.randn(2, 1, 80, 63)
    out = create('image_decoder', 'cnn', size=size)(create('audio_encoder', enc, n_mels=80)(mel, torch.tensor([63, 40])))
    assert out.shape == (2, 3, size, size) and 0 <= out.min() and out.max() <= 1

@pytest.mark.parametrize('dec', sorted(REGISTRY['mel_decoder']))
@pytest.mark.parametrize('enc', sorted(REGISTRY['image_encoder']))
def test_image_to_mel_at_other_shapes(enc, dec):
    z = create('image_encoder', enc, latent_dim=96)(torch.rand(2, 3, 32, 32))
    out = create('mel_decoder', dec, latent_dim=96, n_mels=80, n_frames=63)(z)
    assert out.shape == (2, 1, 80, 63)
    out.mean().backward()

@pytest.mark.parametrize('size', [32, 128])
@pytest.mark.parametrize('dec', sorted(REGISTRY['image_decoder']))
def test_every_image_decoder_at_other_sizes(dec, size):
    z = torch.randn(2, 96, requires_grad=True)
    out = create('image_decoder', dec, latent_dim=96, size=size)(z)
    assert out.shape == (2, 3, size, size) and 0 <= out.min() and out.max() <= 1
    out.mean().backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0  # the picture depends on the latent
