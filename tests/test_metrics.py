"""The metrics against independent implementations (torchmetrics, auraloss, scipy), and proof that the known-answer
checks catch wrong formulas: each check is run on a deliberately broken variant and must fail."""
import numpy as np
import pytest
import torch
from scipy import linalg

from synesthesia import measures as M
from synesthesia.extractors import VGGish, vggish_extractor, random_image_net
from synesthesia.signals import psnr


def spd(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a@a.T/d + 0.1*np.eye(d)


def check_frechet(fd):
    "The closed forms and the sqrtm form that any Frechet distance between Gaussians must satisfy."
    d = 16
    mu1, mu2 = np.random.default_rng(1).normal(size=(2, d))
    s1, s2 = spd(d, 2), spd(d, 3)
    assert abs(fd(mu1, s1, mu1, s1)) < 1e-8
    v1, v2 = np.random.default_rng(4).uniform(0.1, 3, size=(2, d))
    want = ((mu1 - mu2)**2).sum() + ((np.sqrt(v1) - np.sqrt(v2))**2).sum()
    assert abs(fd(mu1, np.diag(v1), mu2, np.diag(v2)) - want) < 1e-8
    c = 0.6
    assert abs(fd(mu1, s1, mu2, c**2*s1) - (((mu1 - mu2)**2).sum() + (1 - c)**2*np.trace(s1))) < 1e-8
    ref = ((mu1 - mu2)**2).sum() + np.trace(s1 + s2 - 2*linalg.sqrtm(s1@s2).real)
    assert abs(fd(mu1, s1, mu2, s2) - ref) < 1e-5*abs(ref)


def fd_wrong_trace(mu1, s1, mu2, s2):  # a classic slip: sqrt of the trace instead of the trace of the square root
    return ((mu1 - mu2)**2).sum() + np.trace(s1) + np.trace(s2) - 2*np.sqrt(np.trace(s1@s2))

def fd_wrong_mean(mu1, s1, mu2, s2):  # the mean term not squared
    return np.abs(mu1 - mu2).sum() + np.trace(s1) + np.trace(s2) - 2*M.trace_sqrt_product(s1, s2)


def test_frechet_passes_its_checks(): check_frechet(M.frechet_from_moments)

@pytest.mark.parametrize('wrong', [fd_wrong_trace, fd_wrong_mean])
def test_frechet_checks_catch_wrong_formulas(wrong):
    with pytest.raises(AssertionError): check_frechet(wrong)


def test_streaming_equals_one_shot_and_merge():
    x = np.random.default_rng(0).normal(size=(500, 8))*[1, 2, 3, 4, 5, 6, 7, 8] + 10
    a, b = M.FeatureStats.of(x[:123]), M.FeatureStats.of(x[123:])
    m = a.merge(b)
    np.testing.assert_allclose(m.cov, np.cov(x, rowvar=False), rtol=1e-10)
    np.testing.assert_allclose(m.mean, x.mean(0), rtol=1e-12)


def test_bad_features_are_named():
    with pytest.raises(ValueError, match='non-finite'): M.frechet_distance(np.full((300, 4), np.nan), np.zeros((300, 4)))
    with pytest.raises(ValueError, match='different dimensions'): M.frechet_distance(np.zeros((300, 4)), np.zeros((300, 5)))
    with pytest.raises(ValueError, match='FD needs N > d'): M.frechet_distance(np.zeros((4, 4)), np.zeros((300, 4)))


def _pictures(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, 32, 32, generator=g)


def test_fid_agrees_with_torchmetrics():
    tm = pytest.importorskip('torchmetrics.image.fid')
    net = random_image_net()
    real, fake = _pictures(300, 0), (_pictures(300, 1)*0.8 + 0.1)
    fid = tm.FrechetInceptionDistance(feature=net, normalize=True).double()
    fid.update(real, real=True); fid.update(fake, real=False)
    ours = M.frechet_distance(net.features(fake), net.features(real))
    assert abs(float(fid.compute()) - ours) <= 1e-6*max(1., ours)


def test_kid_agrees_with_torchmetrics():
    tm = pytest.importorskip('torchmetrics.image.kid')
    net = random_image_net()
    real, fake = _pictures(200, 2), _pictures(200, 3)**2
    k = tm.KernelInceptionDistance(feature=net, subsets=1, subset_size=200, normalize=True).double()  # one subset = the whole set: no sampling
    k.update(real, real=True); k.update(fake, real=False)
    ours = M.kid(net.features(fake), net.features(real), subsets=1, subset_size=200)[0]
    assert abs(float(k.compute()[0]) - ours) <= 1e-5*max(1e-3, abs(ours))  # torchmetrics returns KID in float32


def test_ssim_psnr_agree_with_torchmetrics():
    tmf = pytest.importorskip('torchmetrics.functional.image')
    a = _pictures(4, 4).double()
    b = (a + 0.1*torch.randn(a.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64)).clamp(0, 1)
    # torchmetrics averages over reflect-padded borders too; over the positions where the window fits (Wang et al.'s
    # 'valid' convention, which ours follows) its map must equal ours
    _, full = tmf.structural_similarity_index_measure(b, a, data_range=1.0, reduction='none', return_full_image=True)
    np.testing.assert_allclose(full[..., 5:-5, 5:-5].mean((1, 2, 3)).numpy(), M.ssim(a, b).numpy(), rtol=1e-9)
    for i in range(4): assert abs(float(tmf.peak_signal_noise_ratio(b[i], a[i], data_range=1.0)) - float(psnr(a[i], b[i]))) < 1e-6


def test_mr_stft_agrees_with_auraloss():
    auraloss = pytest.importorskip('auraloss')
    g = torch.Generator().manual_seed(0)
    ref = torch.randn(16000, generator=g, dtype=torch.float64)*0.1
    out = ref + 0.05*torch.randn(16000, generator=g, dtype=torch.float64)
    loss = auraloss.freq.MultiResolutionSTFTLoss()  # its defaults are the three resolutions METRICS.md names
    theirs = float(loss(out[None, None].float(), ref[None, None].float()))
    assert abs(theirs - M.mr_stft_distance(ref, out)) < 1e-3*theirs


def check_gain_answers(sc, lsd, mrstft):
    x = torch.randn(16000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)*0.1
    for gain in (0.5, 2.):
        assert abs(sc(x, gain*x) - abs(1 - gain)) < 1e-9
        assert abs(lsd(x, gain*x) - abs(20*np.log10(gain))) < 1e-6
        assert abs(mrstft(x, gain*x) - (abs(1 - gain) + abs(np.log(gain)))) < 1e-6

def lsd_natural_log(ref, out):  # ln instead of 10 log10: not decibels
    ref, out = M._same_length(ref, out)
    pa, pb = M._mag(ref, 1024, 256, 1024)**2, M._mag(out, 1024, 256, 1024)**2
    return float(torch.log((pa + 1e-10)/(pb + 1e-10)).pow(2).mean(0).sqrt().mean())

def sc_wrong_norm(ref, out):  # normalised by the output instead of the reference
    ref, out = M._same_length(ref, out)
    a, b = M._mag(ref, 1024, 256, 1024), M._mag(out, 1024, 256, 1024)
    return float(torch.linalg.norm(a - b)/torch.linalg.norm(b))

def test_gain_answers(): check_gain_answers(M.spectral_convergence, M.log_spectral_distance, M.mr_stft_distance)

@pytest.mark.parametrize('broken', ['lsd', 'sc'])
def test_gain_answers_catch_wrong_formulas(broken):
    with pytest.raises(AssertionError):
        check_gain_answers(sc_wrong_norm if broken == 'sc' else M.spectral_convergence,
                           lsd_natural_log if broken == 'lsd' else M.log_spectral_distance, M.mr_stft_distance)


def test_mcd_is_blind_to_gain_but_not_to_timbre():
    sr = 16000
    t = torch.arange(sr, dtype=torch.float64)/sr
    floor = 1e-3*torch.randn(sr, generator=torch.Generator().manual_seed(0), dtype=torch.float64)  # keeps every band far above eps
    a = torch.sin(2*np.pi*220*t) + 0.5*torch.sin(2*np.pi*440*t) + floor
    b = torch.sin(2*np.pi*220*t) + 0.5*torch.sin(2*np.pi*1320*t) + floor
    assert M.mfcc_mcd(a, 3*a) < 1e-3
    assert M.mfcc_mcd(a, b) > 1.


def test_coherence_floor_and_known_cases():
    g = np.random.default_rng(1)
    x = g.normal(size=32000)
    r = M.spectral_coherence(x, g.normal(size=32000))
    assert r['value'] < 2*r['floor'] and r['segments'] == 1 + (32000 - abs(r['lag']) - 512)//256  # segments of the aligned overlap
    assert M.spectral_coherence(x, -0.1*np.roll(x, 40))['value'] > 0.99


def test_summaries():
    s = M.summarize(np.arange(101.))
    assert s['mean'] == 50 and s['median'] == 50 and s['n'] == 101
    lo, hi = s['mean_ci95']
    assert lo < 50 < hi and 40 < lo and hi < 60  # s.e. of the mean is 2.9: the interval is about +-5.7
    with pytest.raises(ValueError, match='not finite'): M.summarize([1., np.nan])


def test_vggish_layout_loads_and_embeds(tmp_path):
    "A file in torchvggish's layout (here random weights, with its PCA buffers) loads; the embedding is 128-d per clip."
    state = VGGish().state_dict()
    state['pproc._pca_matrix'] = torch.zeros(128, 128)
    torch.save(state, tmp_path/'vggish.pth')
    v = vggish_extractor(tmp_path/'vggish.pth')
    assert v.features(torch.randn(3, 32000)*0.1).shape == (3, 128)
    with pytest.raises(ValueError, match='at least 0.96 s'): v.features(torch.randn(1, 8000))
