"What a new user's machine sees: no data at all, or a data folder nobody may write to."
import os, shutil, stat, subprocess, sys
from pathlib import Path

import pytest
from synesthesia.core import cache_root

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get('SYNESTHESIA_DATA', ROOT.parent/'shared'/'data'))

def test_nbdev_test_passes_without_the_data(tmp_path):
    "README's test command on a machine without the digits: their cells are skipped, with one line saying why."
    empty = tmp_path/'data'; empty.mkdir()
    env = os.environ | dict(SYNESTHESIA_DATA=str(empty), SYNESTHESIA_CACHE=str(tmp_path/'cache'), MPLBACKEND='Agg')
    r = subprocess.run(['nbdev_test', '--n_workers', '2'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert f'no digits data in {empty} (fsdd/recordings, mnist/' in r.stderr, r.stderr[-2000:]
    assert not any(empty.iterdir())  # nothing downloaded or written there

# Refuses every write under one folder, whoever runs the tests: root ignores permission bits, an audit hook does not.
GUARD = '''
import os, sys
ro = os.path.realpath(sys.argv.pop(1))
def under(p):
    try: return os.path.realpath(os.fsdecode(p)).startswith(ro + os.sep)
    except TypeError: return False
def guard(event, args):
    if event == 'open' and args[0] is not None and under(args[0]) and (
            (isinstance(args[1], str) and any(c in args[1] for c in 'wax+'))
            or (args[2] or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
        raise PermissionError(f'read-only data folder: {args[0]} opened for writing')
    if event in ('os.mkdir', 'os.remove', 'os.rmdir', 'os.rename', 'os.replace', 'os.chmod', 'os.truncate',
                 'shutil.rmtree', 'os.symlink', 'os.link') and any(under(a) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))):
        raise PermissionError(f'read-only data folder: {event} {args[:2]}')
sys.addaudithook(guard)
import importlib
main = getattr(importlib.import_module(sys.argv.pop(1)), 'main')
sys.exit(main(sys.argv[1:]))
'''

def _guarded(data, module, *args, env):
    return subprocess.run([sys.executable, '-c', GUARD, str(data), module, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1200)

def test_guard_refuses_writes(tmp_path):
    "The guard itself: a write under the folder fails, one beside it does not (so the test below can fail)."
    (tmp_path/'ro').mkdir()
    def write(target):
        return subprocess.run([sys.executable, '-c', GUARD.split('import importlib')[0]
                               + f'open({str(target)!r}, "w").write("x")', str(tmp_path/'ro')], capture_output=True, text=True)
    assert 'read-only data folder' in write(tmp_path/'ro'/'f.txt').stderr
    assert write(tmp_path/'beside.txt').returncode == 0

@pytest.mark.skipif(not (SHARED/'fsdd'/'recordings').is_dir(), reason='needs the shared spoken and written digits')
def test_read_only_data_folder(tmp_path):
    "Training on the digits and evaluating the result write nothing in or beside a read-only data folder."
    share = tmp_path/'share'  # a read-only share: the data folder and the folder around it (caches once went beside the data)
    data = share/'data'
    shutil.copytree(SHARED/'fsdd'/'recordings', data/'fsdd'/'recordings')
    shutil.copytree(SHARED/'mnist', data/'mnist')
    for p in [share, *share.rglob('*')]: p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    env = os.environ | dict(SYNESTHESIA_DATA=str(data), SYNESTHESIA_CACHE=str(tmp_path/'cache'), MPLBACKEND='Agg')
    run = tmp_path/'run'
    r = _guarded(share, 'synesthesia.training', '--config', 'configs/digits_audio2img.yaml', '--epochs', '1',
                 '--batch_size', '32', '--no_bar', '--output_dir', str(run), '--set', 'voices=jackson', 'width=4',
                 'latent_dim=16', env=env)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    judges = cache_root()/'judges'  # the user's own: a judge trained here serves the other tests too (minutes each)
    r = _guarded(share, 'synesthesia.evaluation', '--checkpoint', str(run), '--output_dir', str(tmp_path/'eval'),
                 '--n', '40', '--judge_cache', str(judges), env=env)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert (tmp_path/'eval'/'metrics.json').is_file() and any((tmp_path/'cache').rglob('*.npy'))
    assert any(judges.glob('digits-image-*/info.json'))  # the judge of the report, in a cache folder
    for p in [share, *share.rglob('*')]: p.chmod(p.stat().st_mode | stat.S_IWUSR)  # so pytest can clean up
