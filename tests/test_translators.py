"Both translators built from every registered encoder x decoder pairing: a forward and backward pass on CPU, finite gradients."
import pytest
import torch
from synesthesia.backbones import REGISTRY
from synesthesia.audio2img import Audio2Image
from synesthesia.heads import Retrieval
from synesthesia.img2audio import Image2Audio, I2A_MEL
from synesthesia.vocoder import mel_to_audio

def _check_grads(model, loss):
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads), 'a parameter got no gradient'
    assert all(torch.isfinite(g).all() for g in grads), 'a gradient is not finite'
    assert sum(g.abs().sum() for g in grads) > 0

@pytest.mark.parametrize('dec', sorted(REGISTRY['image_decoder']))
@pytest.mark.parametrize('enc', sorted(REGISTRY['audio_encoder']))
def test_audio2img_every_pairing(enc, dec):
    torch.manual_seed(0)
    model = Audio2Image(enc, dec, latent_dim=32, size=32, width=8)
    out = model(torch.randn(2, 1, 64, 40), torch.tensor([40, 25]))
    assert out.shape == (2, 3, 32, 32)
    _check_grads(model, (out - torch.rand_like(out)).abs().mean())

@pytest.mark.parametrize('dec', sorted(REGISTRY['mel_decoder']))
@pytest.mark.parametrize('enc', sorted(REGISTRY['image_encoder']))
def test_img2audio_every_pairing(enc, dec):
    torch.manual_seed(0)
    model = Image2Audio(enc, dec, latent_dim=32, n_mels=48, n_frames=40, width=8)
    out = model(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, 1, 48, 40)
    loss = (out - torch.randn_like(out)).abs().mean()
    if dec == 'harmonic': loss = loss + model.decoder.f0.mean()  # its f0 learns from a loss of its own (F0Supervision)
    _check_grads(model, loss)

def test_mel_to_audio_keeps_a_tone():
    "A tone's spectrogram, turned back into sound, holds the same note (the loudest FFT bin stays put)."
    t = torch.arange(32000)/16000
    wav = 0.3*torch.sin(2*torch.pi*440*t)
    back = mel_to_audio(I2A_MEL.to_mel(wav), I2A_MEL, n_iter=16)
    assert back.shape == wav.shape
    spec = lambda w: torch.fft.rfft(w*torch.hann_window(len(w))).abs()
    assert abs(spec(back).argmax().item()/2 - 440) < 5   # 0.5 Hz bins

def test_retrieval_returns_the_nearest_targets():
    enc = torch.nn.Flatten()  # an embedding without parameters: retrieval is then nearest neighbour (cosine) in input space
    r = Retrieval(enc, torch.eye(4).reshape(4, 1, 4), torch.arange(4)*10)
    assert r(torch.tensor([[[0., 0.1, 0.9, 0.]], [[1., 0., 0., 0.2]]])).tolist() == [20, 0]

def test_flow_matching_trains_on_the_straight_path():
    "FlowMatching feeds (source, x_t, t) and asks for x1 - x0, with x_t = (1 - t) x0 + t x1."
    from fastai.basics import Learner
    from fastai.data.core import DataLoaders
    from synesthesia.audio2img import Audio2ImageFlow
    from synesthesia.heads import FlowMatching
    torch.manual_seed(0)
    items = [(torch.randn(1, 64, 16), torch.rand(3, 16, 16)) for _ in range(8)]
    seen = []
    def loss(v, target):
        seen.append(target.detach()); return ((v - target)**2).mean()
    model = Audio2ImageFlow(latent_dim=16, size=16, width=8)
    learn = Learner(DataLoaders.from_dsets(items, items, bs=4, device='cpu'), model, loss_func=loss, cbs=FlowMatching())
    x_ts = []
    h = model.net.register_forward_hook(lambda m, args, out: x_ts.append((args[0].detach(), args[1].detach())))
    learn.fit(1, 1e-3)
    h.remove()
    x_t, t = x_ts[0]
    target = seen[0]                                  # x1 - x0 for the first training batch
    x1 = torch.stack([items[i][1] for i in range(8)])*2 - 1
    # x_t + (1 - t) * (x1 - x0) must land on one of the batch's targets (the loader shuffles, so match each row)
    end = x_t + (1 - t.view(-1, 1, 1, 1))*target
    assert all(min((e - x).abs().max().item() for x in x1) < 1e-5 for e in end)
    assert torch.isfinite(torch.tensor(learn.recorder.values[-1])).all()
