"""The pipeline command as a newcomer runs it: in a fresh process, with its progress bars on."""
import json, os, subprocess

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_pipeline_with_progress_bars(tmp_path):
    "Every step's bars drawn on a console (the default, and what the quick start runs): exit 0, a report, every step timed."
    out = tmp_path/'pipeline'
    r = subprocess.run(['synesthesia_pipeline', '--output_dir', str(out), '--epochs', '1', '--n_eval', '16', '--workers', '2',
                        '--set', 'n_train=64', 'n_valid=16', 'img_size=32', f'cache_dir={tmp_path/"cache"}'],
                       cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out/'report.html').is_file()
    steps = json.loads((out/'pipeline.json').read_text())['steps']
    assert set(steps) == {'data', 'train_audio2img', 'train_img2audio', 'evaluate_audio2img', 'evaluate_img2audio'}
    assert sorted(p.name.split('-')[-1] for p in (tmp_path/'cache').glob('*.npy')) == ['16.npy']*3 + ['64.npy']*3  # two conventions and the pictures, each world

def test_config_dir_finds_the_installed_copy(tmp_path, monkeypatch):
    "Outside a clone (no configs/ in the working directory or beside the package) the pipeline reads the copy pip installed."
    import sysconfig, synesthesia
    from synesthesia.pipeline import config_dir
    installed = tmp_path/'prefix'/'share'/'synesthesia'/'configs'
    installed.mkdir(parents=True)
    (installed/'audio2img.yaml').write_text((ROOT/'configs'/'audio2img.yaml').read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(synesthesia, '__file__', str(tmp_path/'site'/'synesthesia'/'__init__.py'))
    monkeypatch.setattr(sysconfig, 'get_path', lambda name, scheme=None: str(tmp_path/'prefix'))
    assert config_dir() == installed
    (installed/'audio2img.yaml').unlink()
    with pytest.raises(FileNotFoundError, match='--a2i_config') as e: config_dir()
    assert str(installed) in str(e.value)
