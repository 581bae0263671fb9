"The widgets outside a notebook, driven as a person would drive them, with the classical translators (no training)."
import io

import pytest
import soundfile as sf
import torch

from synesthesia.audio2img import chroma_picture
from synesthesia.world import SynthParams, synth_image, probe_image
from synesthesia.signals import save_audio, save_image
from synesthesia.img2audio import world_sound
from synesthesia.viz import show_translations, hear
from synesthesia.widgets import sound_explorer, picture_explorer, upload_explorer, picture_params, Explorer

def test_sound_explorer_follows_its_sliders():
    ex = sound_explorer(chroma_picture)
    first = ex.result
    ex.controls['pitch'].value = 72                     # C5: the chroma picture's colour moves to C's hue
    assert ex.result.params == SynthParams(72, 'sine', 120., -18.)
    assert not torch.equal(ex.result.output, first.output)
    assert torch.equal(ex.result.output, chroma_picture(ex.result.source))
    assert torch.equal(ex.result.truth, synth_image(ex.result.params))
    ex.controls['timbre'].value = 'square'
    assert ex.result.params.timbre == 'square' and ex.result.view.html.count('<audio') == 1

def test_picture_explorer_plays_the_world_backwards():
    px = picture_explorer(world_sound)                  # the world's rules, run backwards on what the probes read
    for hue, shape, stripes in [(0, 'circle', 2), (7, 'star', 8), (4, 'square', 5)]:
        px.controls['hue'].value, px.controls['shape'].value, px.controls['stripes'].value = hue, shape, stripes
        p = picture_params(hue, 'middle', shape, stripes, 0.6)
        assert px.result.params == p
        assert probe_image(px.result.source)['shape'] == shape
        out, truth = px.result.output, px.result.truth   # the inverse mapping finds the note, timbre and tempo exactly; the level from the measured size
        assert torch.nn.functional.cosine_similarity(out, truth, dim=0) > 0.999
        assert abs(20*torch.log10(out.norm()/truth.norm())) < 0.5

def test_static_rendering_has_short_players():
    ex = sound_explorer(chroma_picture)
    v = ex.static([dict(pitch=60), dict(pitch=67)], play=0.5)
    assert len(v.rows) == 2 and v.html.count('<audio') == 2
    assert ex.result.params.midi == 69                  # a static rendering leaves the widget as it was

def test_widget_shows_as_a_widget_with_a_plain_fallback():
    ex = sound_explorer(chroma_picture)
    b = ex._repr_mimebundle_()
    assert b['application/vnd.jupyter.widget-view+json']['model_id'] == ex.widget.model_id
    assert 'live widget' in b['text/plain']
    with pytest.raises(ValueError, match='no control named'): ex.static([dict(pich=60)])

def test_upload_translates_or_names_the_bad_file(tmp_path):
    up = upload_explorer(chroma_picture, world_sound)
    wav = save_audio(tmp_path/'a.wav', torch.sin(torch.arange(32000)/10.)*0.3)
    png = save_image(tmp_path/'p.png', synth_image(SynthParams(60, 'square', 120., -20.)))
    assert up.translate(({'name': 'a.wav', 'content': memoryview(wav.read_bytes())},)).output.shape == (3, 64, 64)
    assert up.translate({'p.png': {'metadata': {}, 'content': png.read_bytes()}}).output.ndim == 1
    assert up.translate(({'name': 'empty.png', 'content': b''},)) is None and 'empty.png' in up.error and 'empty' in up.error
    with pytest.raises(ValueError, match='at least one translator'): upload_explorer()

def test_players_carry_16_bit_wav():
    a = hear(torch.zeros(1600))
    info = sf.info(io.BytesIO(a.data))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ('WAV', 'PCM_16', 16000, 1)
