"The translators that ship with the package: there, small, loadable offline, and still meeting their bars."
import json, os, sys
from pathlib import Path

import pytest
import torch

from synesthesia.hub import PRETRAINED, pretrained_folder, load_pretrained, bar_report, from_hub, push_to_hub
from synesthesia.evaluation import evaluate
from synesthesia.inference import CKPT_FILES

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get('SYNESTHESIA_DATA', ROOT.parent/'shared'/'data'))

def test_every_model_ships_and_all_fit_in_20_mb():
    sizes = {n: sum(f.stat().st_size for f in pretrained_folder(n).iterdir()) for n in PRETRAINED}
    assert all(s > 0 for s in sizes.values()), sizes
    assert sum(sizes.values()) <= 20e6, sizes
    for n in PRETRAINED:
        files = {p.name for p in pretrained_folder(n).iterdir()}
        assert {*CKPT_FILES, 'meta.json', 'metrics.json', 'README.md'} <= files, (n, files)

@pytest.mark.parametrize('name', list(PRETRAINED))
def test_loads_offline_with_its_card(name, monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    ck = load_pretrained(name, device='cpu')
    assert ck.config.direction == name.split('-')[1] and not ck.model.training
    saved = json.loads((ck.path/'metrics.json').read_text())
    assert set(saved['bars']) == set(PRETRAINED[name]['bars']) and all(v['met'] for v in saved['bars'].values())
    card = (ck.path/'README.md').read_text()
    assert f'python -m synesthesia.hub {name}' in card and '## Metrics' in card

@pytest.mark.parametrize('name', [n for n in PRETRAINED if n.startswith('synth-')])
def test_synthetic_models_meet_their_bars(name):
    m, _ = evaluate(pretrained_folder(name), n=200, device='cpu', workers=2)
    report = bar_report(m, PRETRAINED[name]['bars'])
    assert all(v['met'] for v in report.values()), report

@pytest.mark.skipif(not (SHARED/'fsdd'/'recordings').is_dir(), reason='needs the shared spoken and written digits')
@pytest.mark.parametrize('name', ['digits-audio2img', 'digits-img2audio'])
def test_digits_models_meet_their_bars(name):
    m, _ = evaluate(pretrained_folder(name), device='cpu', workers=2)
    report = bar_report(m, PRETRAINED[name]['bars'])
    assert all(v['met'] for v in report.values()), report

def test_without_huggingface_hub_the_error_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, 'huggingface_hub', None)  # import fails, as where it is not installed
    for call in (lambda: from_hub('someone/x'), lambda: push_to_hub(pretrained_folder('synth-audio2img'), 'someone/x')):
        with pytest.raises(RuntimeError, match=r'^sharing on the Hugging Face Hub needs huggingface_hub: pip install huggingface_hub$'):
            call()
