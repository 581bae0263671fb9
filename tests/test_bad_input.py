"""Bad input: every kind of broken, odd or wrong file gets a clear error naming it, or a counted skip in lenient mode.

Odd-but-valid files (mono or 4-channel, 16-bit, palette, transparent) are converted, and the conversion is checked."""
import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from synesthesia.core import sine, shape_image
from synesthesia.signals import BadFileError, load_audio, load_image, save_audio, save_image, MAX_AUDIO_SECONDS
from synesthesia.pairs import find_pairs, PairedFolder, read_idx, fsdd_recordings

SR = 16000

@pytest.fixture
def good(tmp_path):
    "A good sound and picture to damage."
    return save_audio(tmp_path/'good.wav', sine(440, dur=1.)), save_image(tmp_path/'good.png', shape_image('circle', 32))

# --- sounds ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name,make,says', [
    ('empty.wav', lambda p, g: p.write_bytes(b''), 'is empty'),
    ('corrupt.wav', lambda p, g: p.write_bytes(np.random.default_rng(0).bytes(4000)), 'is not a sound file'),
    ('header_only.wav', lambda p, g: p.write_bytes(g.read_bytes()[:40]), 'is not a sound file'),
    ('truncated.wav', lambda p, g: p.write_bytes(g.read_bytes()[:20_000]), 'is truncated'),
    ('zero_length.wav', lambda p, g: sf.write(p, np.zeros(0, 'float32'), SR), 'holds no samples'),
    ('nan.wav', lambda p, g: sf.write(p, np.full(800, np.nan, 'float32'), SR, subtype='FLOAT'), 'NaN'),
    ('inf.flac', lambda p, g: sf.write(p, np.full(800, np.inf, 'float32'), SR, format='WAV', subtype='FLOAT'), 'NaN or infinite'),
    ('picture.wav', lambda p, g: p.write_bytes((g.parent/'good.png').read_bytes()), 'is not a sound file'),
    ('text.mp3', lambda p, g: p.write_text('ID3 but not really'), 'is not a sound file'),
])
def test_bad_sound_is_named(tmp_path, good, name, make, says):
    path = tmp_path/name
    make(path, good[0])
    with pytest.raises(BadFileError, match=says) as e: load_audio(path)
    assert name in str(e.value) and e.value.path == path

def test_truncated_mp3_is_named(tmp_path):
    p = save_audio(tmp_path/'tone.mp3', sine(440, dur=2.))
    (tmp_path/'cut.mp3').write_bytes(p.read_bytes()[:1000])
    try: w = load_audio(tmp_path/'cut.mp3')
    except BadFileError as e: assert 'cut.mp3' in str(e)
    else: assert len(w) < 2*SR  # libsndfile decodes what is there: never more than the file holds

def test_huge_sound_is_refused_before_it_is_read(tmp_path):
    long = tmp_path/'ten_minutes.wav'
    sf.write(long, np.zeros(int((MAX_AUDIO_SECONDS + 1)*8000), np.int16), 8000, subtype='PCM_U8')  # 4.8 MB of silence
    with pytest.raises(BadFileError, match='ten_minutes.wav: lasts 601 s, more than max_dur=600'): load_audio(long)
    assert load_audio(long, max_dur=700, dur=0.5).shape == (SR//2,)

def test_missing_sound_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.wav'): load_audio(tmp_path/'nowhere.wav')

@pytest.mark.parametrize('channels', [1, 2, 4])
def test_any_channel_count_mixes_to_mono(tmp_path, channels):
    x = np.stack([sine(440, dur=0.5).numpy()*(k == 0) for k in range(channels)], 1)
    sf.write(tmp_path/'multi.wav', x, SR, subtype='PCM_16')
    w = load_audio(tmp_path/'multi.wav')
    assert w.shape == (SR//2,)
    assert abs(w.abs().max().item() - 0.5/channels) < 1e-3  # the average of the channels

@pytest.mark.parametrize('subtype', ['PCM_16', 'PCM_24', 'PCM_32', 'FLOAT', 'PCM_U8'])
def test_every_sample_format_reads_to_the_same_level(tmp_path, subtype):
    sf.write(tmp_path/'x.wav', sine(440, dur=0.25).numpy(), SR, subtype=subtype)
    assert abs(load_audio(tmp_path/'x.wav').abs().max().item() - 0.5) < 0.01

# --- pictures -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name,make,says', [
    ('empty.png', lambda p, g: p.write_bytes(b''), 'is empty'),
    ('corrupt.png', lambda p, g: p.write_bytes(np.random.default_rng(1).bytes(3000)), 'is not a picture'),
    ('truncated.png', lambda p, g: p.write_bytes(g.read_bytes()[:len(g.read_bytes())//2]), 'damaged'),
    ('truncated.jpg', lambda p, g: p.write_bytes(_jpeg(g)[:700]), 'damaged'),
    ('sound.png', lambda p, g: p.write_bytes((g.parent/'good.wav').read_bytes()), 'is not a picture'),
])
def test_bad_picture_is_named(tmp_path, good, name, make, says):
    path = tmp_path/name
    make(path, good[1])
    with pytest.raises(BadFileError, match=says) as e: load_image(path)
    assert name in str(e.value)

def _jpeg(png):
    img = load_image(png, size=None)
    return save_image(png.with_suffix('.jpg'), img).read_bytes()

def test_huge_picture_is_refused(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((300, 300), np.uint8)).save(tmp_path/'big.png')
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 20_000)  # PIL refuses at twice this: a decompression bomb
    with pytest.raises(BadFileError, match='big.png: is too large'): load_image(tmp_path/'big.png')

@pytest.mark.parametrize('mode,value,expected', [
    ('L', 200, 200/255),                 # 1 channel
    ('I;16', 65535, 1.0),                # 16-bit grey: full scale is white, not clipped
    ('I;16', 1000, 1000/65535),          # ... and a dark 16-bit grey stays dark
    ('RGBA', (0, 0, 255, 0), 1.0),        # 4 channels, transparent: the white page beneath
    ('RGBA', (0, 0, 255, 255), None),     # 4 channels, opaque: the colour itself
    ('P', 3, None),                      # palette
    ('1', 1, 1.0),                       # 1-bit
])
def test_odd_picture_modes_become_rgb(tmp_path, mode, value, expected):
    if mode == 'I;16': im = Image.fromarray(np.full((8, 8), value, np.uint16))
    elif mode == 'P':
        im = Image.new('P', (8, 8), value); im.putpalette([0, 0, 0]*3 + [10, 200, 30] + [0, 0, 0]*252)
    else: im = Image.new(mode, (8, 8), value)
    im.save(tmp_path/'x.png')
    img = load_image(tmp_path/'x.png', size=None)
    assert img.shape == (3, 8, 8) and img.dtype == torch.float32
    if expected is not None: assert torch.allclose(img, torch.full_like(img, expected), atol=1/255)
    elif mode == 'RGBA': assert torch.allclose(img[:, 0, 0], torch.tensor([0., 0., 1.]))
    else: assert torch.allclose(img[:, 0, 0], torch.tensor([10, 200, 30])/255)

# --- folders, lenient and strict ------------------------------------------------------------------------------------

def test_folder_problems_are_counted_and_named_in_lenient_mode(tmp_path, good):
    (tmp_path/'audio').mkdir(); (tmp_path/'images').mkdir()
    for stem in ('a', 'b'): save_audio(tmp_path/'audio'/f'{stem}.wav', sine()); save_image(tmp_path/'images'/f'{stem}.png', shape_image())
    save_audio(tmp_path/'audio'/'b.mp3', sine())                                         # two sounds for stem b
    save_audio(tmp_path/'audio'/'quiet.wav', torch.zeros(SR)); save_image(tmp_path/'images'/'quiet.png', shape_image())
    (tmp_path/'audio'/'broken.wav').write_bytes(b'RIFF'); save_image(tmp_path/'images'/'broken.png', shape_image())
    (tmp_path/'images'/'lonely.jpg').write_bytes(_jpeg(good[1]))                            # no sound
    (tmp_path/'images'/'c.gif').write_bytes(b'GIF89a')                                      # unsupported
    (tmp_path/'audio'/'.DS_Store').write_bytes(b'x')                                        # hidden files are not data
    rep = find_pairs(tmp_path, strict=False)
    assert [a.name for a, _ in rep.pairs] == ['a.wav', 'b.mp3']  # of two sounds for one stem, the first in name order
    reasons = {p.name: why for p, why in rep.problems}
    assert set(reasons) == {'b.wav', 'quiet.wav', 'broken.wav', 'lonely.jpg', 'c.gif'}
    assert 'b.mp3, which is paired instead' in reasons['b.wav'] and 'silent' in reasons['quiet.wav'] and 'unsupported' in reasons['c.gif']
    assert '5 file(s) left out' in repr(rep)
    with pytest.raises(BadFileError): find_pairs(tmp_path)                                  # strict stops at the first
    assert len(PairedFolder(tmp_path, strict=False)) == 2

def test_a_folder_with_nothing_usable_says_so(tmp_path):
    (tmp_path/'audio').mkdir(); (tmp_path/'images').mkdir()
    (tmp_path/'audio'/'x.wav').write_text('no')
    with pytest.raises(ValueError, match='no usable pairs.*x.wav'): find_pairs(tmp_path, strict=False)

def test_wrongly_named_digit_recording_is_named(tmp_path):
    rec = tmp_path/'fsdd'/'recordings'; rec.mkdir(parents=True)
    save_audio(rec/'3_theo_1.wav', sine()); save_audio(rec/'three-theo.wav', sine())
    with pytest.raises(BadFileError, match='three-theo.wav'): fsdd_recordings(tmp_path)

def test_truncated_idx_is_named(tmp_path):
    (tmp_path/'x.idx').write_bytes(b'\0\0\x08\x03' + (10).to_bytes(4, 'big') + (28).to_bytes(4, 'big')*2 + b'\0'*100)
    with pytest.raises(BadFileError, match='x.idx: is truncated'): read_idx(tmp_path/'x.idx')

# --- writing never destroys what was there --------------------------------------------------------------------------

def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    p = save_audio(tmp_path/'keep.wav', sine(440))
    before = p.read_bytes()
    def boom(*a, **k): raise OSError('disk full')
    monkeypatch.setattr(sf, 'write', boom)
    with pytest.raises(OSError): save_audio(p, sine(880))
    assert p.read_bytes() == before and [f.name for f in tmp_path.iterdir()] == ['keep.wav']
