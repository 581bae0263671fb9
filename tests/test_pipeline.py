"""The pipeline command as a newcomer runs it: in a fresh process, with its progress bars on."""
import json, os, subprocess
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
    assert set(steps) == {'data', 'train_audio2image', 'train_image2audio', 'evaluate_audio2image', 'evaluate_image2audio'}
    assert sorted(p.name.split('-')[-1] for p in (tmp_path/'cache').glob('*.npy')) == ['16.npy']*3 + ['64.npy']*3  # two conventions and the pictures, each world
