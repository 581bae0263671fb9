"""The training command end to end, in fresh processes as a user runs it: the seed's command, a run killed with SIGKILL
and resumed, bad configs, a crafted checkpoint, and two CPU processes under `accelerate launch`."""
import os, re, signal, socket, subprocess, sys, time
from pathlib import Path

import pytest
import torch
import yaml

from synesthesia.config import make_config, load_config, build_model, TrainConfig
from synesthesia.inference import write_checkpoint, load_checkpoint, read_train_state, find_checkpoint, CheckpointError
from synesthesia.training import train, main
from synesthesia.callbacks import Checkpointer
from synesthesia.signals import MelSpec

ROOT = Path(__file__).resolve().parent.parent
TINY = ['--set', 'n_train=256', 'n_valid=32', 'img_size=32', 'latent_dim=16', 'width=4']

def cli(*args, cwd=ROOT, env=None, timeout=600):
    "Run synesthesia_train in a fresh process."
    return subprocess.run(['synesthesia_train', *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})

def weights(run):
    return load_checkpoint(run, 'last', device='cpu').model.state_dict()

def test_seed_command(tmp_path):
    "The seed's command, as written, on the repository's sample pairs: trains 100 epochs, checkpoints, exits 0."
    out = tmp_path/'run'
    (tmp_path/'data').mkdir()
    r = cli('--config', 'configs/audio2img.yaml', '--data_dir', 'data/train', '--val_dir', 'data/val', '--epochs', '100',
            '--batch_size', '16', '--output_dir', out, '--no_bar', env={'SYNESTHESIA_DATA': str(tmp_path/'data')})  # its cache goes to tmp
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'best valid_loss' in r.stdout
    log = (out/'log.csv').read_text().splitlines()
    assert len(log) == 101 and log[0].startswith('epoch,train_loss,valid_loss')
    ck = load_checkpoint(out, 'last', device='cpu')
    assert ck.meta['epoch'] == 100 and ck.config.data == 'data/train' and ck.config.val == 'data/val' and ck.config.batch_size == 16
    assert yaml.safe_load((out/'config.yaml').read_text())['epochs'] == 100
    first, last = (float(l.split(',')[2]) for l in (log[1], log[-1]))
    assert last < first, f'valid_loss did not fall: {first} -> {last}'
    assert len([p for p in (out/'checkpoints').iterdir() if p.name.startswith('epoch-')]) <= 3  # keep=2, plus the best

def _wait_for(path, text, proc, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if path.is_file() and path.read_text().strip() == text: return
        if proc.poll() is not None: raise AssertionError(f'the run ended early: {proc.communicate()}')
        time.sleep(0.005)
    raise AssertionError(f'{path} never read {text!r}')

def test_sigkill_mid_epoch_then_resume(tmp_path):
    "SIGKILL in the middle of epoch 2; --resume finishes; the result equals an uninterrupted run's."
    # the default model (about 0.1 s a step here), 16 steps an epoch: killed 0.2 s into the second epoch's 1.5 s
    args = ['--config', 'configs/audio2img.yaml', '--epochs', '3', '--batch_size', '16', '--no_bar', '--set', 'n_train=256', 'n_valid=32', f'cache_dir={tmp_path/"cache"}']
    straight = cli(*args, '--output_dir', tmp_path/'straight')
    assert straight.returncode == 0, straight.stderr[-3000:]
    run = tmp_path/'killed'
    proc = subprocess.Popen(['synesthesia_train', *map(str, args), '--output_dir', str(run)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(run/'checkpoints'/'last', 'epoch-0001', proc)
    time.sleep(0.2)
    assert not (run/'checkpoints'/'epoch-0002').exists(), 'killed too late: the second epoch had finished'
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert find_checkpoint(run, 'last').name == 'epoch-0001'
    again = cli(*args, '--output_dir', run)
    assert again.returncode == 2 and 'add --resume' in again.stderr  # never overwrites a run by accident
    resumed = cli(*args, '--output_dir', run, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resuming' in resumed.stdout and 'after epoch 1 of 3' in resumed.stdout
    ck = load_checkpoint(run, 'last', device='cpu')
    assert ck.meta['epoch'] == 3 and ck.meta['train_seconds'] > 0
    for (k, a), b in zip(weights(tmp_path/'straight').items(), ck.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=k)
    assert len((run/'log.csv').read_text().splitlines()) == 4  # header and three epochs, none repeated
    done = cli(*args, '--output_dir', run, '--resume')
    assert done.returncode == 0 and 'nothing to train' in done.stdout

def test_training_seconds_go_on_counting_after_a_resume(tmp_path):
    cp = Checkpointer(tmp_path/'checkpoints', make_config({}))
    cp.restore(dict(best=1., best_epoch=1, wait=0, smooth_loss=None, seconds=100.))  # a checkpoint written after 100 s of training
    cp.before_fit()
    assert 100 <= time.time() - cp.t0 < 110


@pytest.mark.parametrize('setup,args,says', [
    ('unknown key', ['--set', 'lerning_rate=0.1'], "unknown key 'lerning_rate' (did you mean 'lr'?)"),
    ('typo in a config file', ['--config', '{tmp}/typo.yaml'], "unknown key 'batchsize' (did you mean 'batch_size'?)"),
    ('negative epochs', ['--epochs', '-5'], 'epochs=-5: expected a value > 0'),
    ('missing data dir', ['--data_dir', '{tmp}/nowhere'], 'nowhere: no such folder'),
    ('direction and model mismatched', ['--set', 'direction=img2audio', 'encoder=gru'], "encoder='gru' is an audio encoder, but img2audio needs an image encoder"),
    ('missing config', ['--config', '{tmp}/nope.yaml'], 'nope.yaml: no such config file'),
    ('unsafe YAML', ['--config', '{tmp}/evil.yaml'], 'not valid YAML'),
    ('no GPU', ['--device', 'cuda'], '--device'),
    ('class pairing without classes', ['--set', 'pairing=class'], "pairing='class' draws pictures by class, which only the digits source has"),
    ('averaging with no memory', ['--set', 'ema=1'], 'ema=1.0: expected a decay in [0, 1)'),
    ('a flow that never sees its condition', ['--set', 'head=flow', 'cond_drop=1'], 'cond_drop=1.0: expected a share in [0, 1)'),
    ('condition dropout without a flow', ['--set', 'cond_drop=0.1'], 'cond_drop=0.1: only the flow head draws without its condition'),
])
def test_bad_config_is_one_clear_line(tmp_path, monkeypatch, capsys, setup, args, says):
    "The command's `main` in this process (a fresh process costs 9 s of imports; the console script is run below)."
    if setup == 'no GPU' and torch.cuda.is_available(): pytest.skip('this machine has CUDA')
    (tmp_path/'typo.yaml').write_text('direction: audio2img\nbatchsize: 8\n')
    (tmp_path/'evil.yaml').write_text(f"epochs: !!python/object/apply:os.system ['touch {tmp_path}/pwned']\n")
    monkeypatch.chdir(ROOT)
    argv = ['--config', 'configs/audio2img.yaml', '--output_dir', str(tmp_path/'run'), '--no_bar', *[a.format(tmp=tmp_path) for a in args]]
    try: code = main(argv)  # an exception other than SystemExit fails the test: users would see its traceback
    except SystemExit as e: code = e.code  # argparse's own errors
    out, err = capsys.readouterr()
    assert code == 2, (code, out[-2000:], err[-2000:])
    assert says in err, err
    assert 'Traceback' not in err + out
    errors = [l for l in err.splitlines() if 'error' in l.lower() and 'warn' not in l.lower()]
    assert len(errors) == 1, err
    assert not (tmp_path/'pwned').exists() and not (tmp_path/'run'/'checkpoints').exists()

def test_bad_config_from_the_console_script(tmp_path):
    "The same, as a user meets it: exit status 2 and one line, no traceback."
    r = cli('--config', 'configs/audio2img.yaml', '--output_dir', tmp_path/'run', '--no_bar', '--set', 'lerning_rate=0.1')
    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "unknown key 'lerning_rate' (did you mean 'lr'?)" in r.stderr and 'Traceback' not in r.stderr + r.stdout
    assert len([l for l in r.stderr.splitlines() if 'error' in l.lower() and 'warn' not in l.lower()]) == 1, r.stderr
    assert not (tmp_path/'run'/'checkpoints').exists()

def _tiny_checkpoint(folder) -> Path:
    c = make_config(dict(img_size=32, latent_dim=16, width=4))
    return write_checkpoint(folder, build_model(c), c, MelSpec(mean=-5., std=3.), dict(epoch=1, opt={}))

def test_crafted_pickle_is_refused(tmp_path):
    "A train_state.pt that runs a command when unpickled is refused, even when its hash was updated to match."
    import hashlib, json
    folder = _tiny_checkpoint(tmp_path/'run'/'checkpoints'/'epoch-0001')
    (tmp_path/'run'/'checkpoints'/'last').write_text('epoch-0001\n')
    (tmp_path/'run'/'checkpoints'/'best').write_text('epoch-0001\n')
    marker = tmp_path/'pwned'
    class Exploit:
        def __reduce__(self): return (os.system, (f'touch {marker}',))
    torch.save({'epoch': 1, 'x': Exploit()}, folder/'train_state.pt')
    meta = json.loads((folder/'meta.json').read_text())
    with pytest.raises(CheckpointError, match='SHA-256 differs'): load_checkpoint(folder, device='cpu')
    meta['sha256']['train_state.pt'] = hashlib.sha256((folder/'train_state.pt').read_bytes()).hexdigest()  # an attacker can do this too
    (folder/'meta.json').write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match='refused'): read_train_state(folder)
    assert load_checkpoint(folder, device='cpu').model is not None  # inference never reads the training state
    r = cli('--config', 'configs/audio2img.yaml', '--output_dir', tmp_path/'run', '--resume', '--no_bar', '--set', 'img_size=32', 'latent_dim=16', 'width=4')
    assert r.returncode == 2 and 'refused' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert not marker.exists()

def test_damaged_checkpoint_is_named(tmp_path):
    folder = _tiny_checkpoint(tmp_path/'ck')
    data = bytearray((folder/'model.safetensors').read_bytes()); data[-10] ^= 0xFF
    (folder/'model.safetensors').write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match='model.safetensors: its SHA-256 differs'): load_checkpoint(folder, device='cpu')
    folder = _tiny_checkpoint(tmp_path/'ck')
    (folder/'mel.json').unlink()
    with pytest.raises(CheckpointError, match='mel.json: missing'): load_checkpoint(folder, device='cpu')
    with pytest.raises(CheckpointError, match='no checkpoint here'): find_checkpoint(tmp_path/'empty')

def test_crash_while_writing_leaves_last_checkpoint(tmp_path, monkeypatch):
    "A write that dies half way leaves the previous checkpoint readable and the pointers unchanged."
    import synesthesia.inference as T
    c = make_config(dict(n_train=32, n_valid=16, img_size=32, latent_dim=16, width=4, batch_size=16, epochs=3, cache_dir=str(tmp_path/'cache')))
    calls, real_save = [], T.save_file
    def dying_save(weights, path):
        calls.append(path)
        if len(calls) == 2:  # the second epoch's weights: write half a file, then die
            Path(path).write_bytes(b'\0'*100); raise KeyboardInterrupt
        return real_save(weights, path)
    monkeypatch.setattr(T, 'save_file', dying_save)
    with pytest.raises(KeyboardInterrupt): train(c, tmp_path/'run', progress=False, device='cpu')
    ck_dir = tmp_path/'run'/'checkpoints'
    assert (ck_dir/'last').read_text().strip() == 'epoch-0001' and not (ck_dir/'epoch-0002').exists()
    assert any(p.name.startswith('.epoch-0002.tmp') for p in ck_dir.iterdir())  # the half-written folder, under its temporary name
    assert load_checkpoint(tmp_path/'run', 'last', device='cpu').meta['epoch'] == 1
    monkeypatch.setattr(T, 'save_file', real_save)
    train(c, tmp_path/'run', resume=True, progress=False, device='cpu')
    assert load_checkpoint(tmp_path/'run', 'last', device='cpu').meta['epoch'] == 3
    assert not any(p.name.startswith('.') for p in ck_dir.iterdir())  # cleaned up

def test_same_seed_same_weights(tmp_path):
    c = make_config(dict(n_train=32, n_valid=16, img_size=32, latent_dim=16, width=4, batch_size=16, epochs=2, cache_dir=str(tmp_path/'cache')))
    a, b = (train(c, tmp_path/n, progress=False, device='cpu').model.state_dict() for n in 'ab')
    d = train(TrainConfig(**{**c.__dict__, 'seed': 1}), tmp_path/'d', progress=False, device='cpu').model.state_dict()
    for k in a: torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    assert any(not torch.equal(a[k], d[k]) for k in a if a[k].is_floating_point())

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_two_cpu_processes_with_accelerate(tmp_path):
    "`accelerate launch` with two CPU processes (gloo) trains one short epoch and writes one checkpoint."
    out = tmp_path/'ddp'
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', str(_free_port()),
           '-m', 'synesthesia.training', '--config', 'configs/audio2img.yaml', '--device', 'cpu', '--epochs', '1', '--batch_size', '16',
           '--output_dir', str(out), '--no_bar', *TINY, 'n_train=64', f'cache_dir={tmp_path/"cache"}']
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, 'CUDA_VISIBLE_DEVICES': ''})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for rank in (0, 1): assert re.search(f'process {rank} of 2 on cpu(:0)? \\(gloo\\)', r.stdout), r.stdout[-2000:]
    assert len((out/'log.csv').read_text().splitlines()) == 2
    ck = load_checkpoint(out, device='cpu')
    assert ck.meta['epoch'] == 1 and not any(k.startswith('module.') for k in ck.model.state_dict())

def test_python_m_and_help():
    r = subprocess.run([sys.executable, '-m', 'synesthesia.training', '--help'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and '--config' in r.stdout and '--resume' in r.stdout and '--set' in r.stdout, r.stderr[-2000:]

def test_folder_cache_follows_the_files(tmp_path):
    "A cached folder is rebuilt when a file in it changes, never read stale; a folder without --val_dir is split by seed."
    import shutil
    from synesthesia.data import MelCache
    from synesthesia.pairs import PairedFolder
    from synesthesia.config import build_datasets, Split
    data = tmp_path/'pairs'
    shutil.copytree(ROOT/'data'/'train', data)
    c = make_config(dict(data=str(data), valid_pct=0.25, cache_dir=str(tmp_path/'cache')))
    tr, va = build_datasets(c)
    assert isinstance(tr, Split) and (len(tr), len(va)) == (18, 6) and not set(tr.idx) & set(va.idx)
    first = MelCache(tr, MelSpec(), tmp_path/'cache')
    assert MelCache(tr, MelSpec(), tmp_path/'cache').path == first.path
    png = sorted((data/'images').glob('*.png'))[0]
    os.utime(png, ns=(png.stat().st_atime_ns, png.stat().st_mtime_ns + 10**9))  # touched: it may have changed
    tr2, _ = build_datasets(c)
    assert MelCache(tr2, MelSpec(), tmp_path/'cache').path != first.path
    assert [p.name for p in (data/'audio').iterdir()] and len(PairedFolder(data)) == 24

def _tiny(tmp_path, **kw):
    return make_config(dict(n_train=32, n_valid=16, img_size=32, latent_dim=16, width=4, batch_size=16, cache_dir=str(tmp_path/'cache')) | kw)

def test_early_stopping_keeps_the_best(tmp_path):
    "patience=2: two epochs without a lower valid_loss end the run; `best` stays on the best epoch."
    from fastai.basics import Callback
    class RisingLoss(Callback):
        order = 52  # after the Recorder has the epoch's values, before the Checkpointer reads them
        def after_epoch(self): self.recorder.values[-1][1] = 1. + self.epoch  # valid_loss rises every epoch
    learn = train(_tiny(tmp_path, epochs=6, patience=2), tmp_path/'run', progress=False, device='cpu', cbs=[RisingLoss()])
    ck = tmp_path/'run'/'checkpoints'
    assert (ck/'last').read_text().strip() == 'epoch-0003' and (ck/'best').read_text().strip() == 'epoch-0001'
    assert (ck/'epoch-0001').is_dir() and len((tmp_path/'run'/'log.csv').read_text().splitlines()) == 4
    assert learn.checkpointer.best_epoch == 1

def test_ema_resumed_run_equals_an_unbroken_one(tmp_path):
    "With weight averaging, a run interrupted in its second epoch and resumed ends with the same average and raw weights as an unbroken one."
    from fastai.basics import Callback
    class Interrupt(Callback):
        def before_batch(self):
            if self.training and (self.epoch, self.iter) == (1, 1): raise KeyboardInterrupt
    c = _tiny(tmp_path, head='flow', ema=0.9, epochs=3)
    straight = train(c, tmp_path/'straight', progress=False, device='cpu')
    with pytest.raises(KeyboardInterrupt): train(c, tmp_path/'broken', progress=False, device='cpu', cbs=[Interrupt()])
    resumed = train(c, tmp_path/'broken', resume=True, progress=False, device='cpu')
    for a, b in ((straight.model.state_dict(), resumed.model.state_dict()), (straight.ema.raw, resumed.ema.raw)):
        for k in a: torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6, msg=k)
    ck = weights(tmp_path/'straight')
    assert all(torch.equal(ck[k], v.cpu()) for k, v in straight.model.state_dict().items())         # the checkpoint holds the average
    assert any(not torch.equal(ck[k], v.cpu()) for k, v in straight.ema.raw.items() if v.is_floating_point())  # not the raw weights
    assert read_train_state(find_checkpoint(tmp_path/'straight', 'last'))['ema']['n'] == 3*2       # 2 steps an epoch

def test_callbacks_follow_the_config(tmp_path):
    from synesthesia.training import build_learner, build_dls
    dls = build_dls(_tiny(tmp_path), device='cpu')
    names = lambda c: {type(cb).__name__ for cb in build_learner(c, dls).cbs}
    assert 'GradientClip' in names(_tiny(tmp_path)) and 'GradientClip' not in names(_tiny(tmp_path, grad_clip=0))
    assert 'FlowMatching' in names(_tiny(tmp_path, head='flow')) and 'MixedPrecision' not in names(_tiny(tmp_path))
    assert 'EMA' in names(_tiny(tmp_path, ema=0.99)) and 'EMA' not in names(_tiny(tmp_path))
    with pytest.raises(ValueError, match="precision='bf16' needs a CUDA GPU"): build_learner(_tiny(tmp_path, precision='bf16'), dls)

@pytest.mark.parametrize('kw', [dict(direction='img2audio', n_mels=32, f_max=5000.), dict(head='flow'), dict(direction='img2audio', head='flow', n_mels=32)])
def test_other_directions_and_heads_train_and_load(tmp_path, kw):
    c = _tiny(tmp_path, epochs=1, **kw)
    train(c, tmp_path/'run', progress=False, device='cpu')
    ck = load_checkpoint(tmp_path/'run', device='cpu')
    assert ck.config == c
    src = torch.rand(2, 3, 32, 32) if c.direction == 'img2audio' else torch.randn(2, 1, c.mel.n_mels, 126)
    with torch.no_grad(): out = ck.model.sample(src, steps=2) if c.head == 'flow' else ck.model(src)
    assert out.shape == ((2, 1, c.mel.n_mels, 126) if c.direction == 'img2audio' else (2, 3, 32, 32))
    header = (tmp_path/'run'/'log.csv').read_text().splitlines()[0]
    assert ('mel_db' in header) == (c.direction == 'img2audio' and c.head == 'deterministic')

def test_a_pitch_aware_run_loads_with_its_convention(tmp_path):
    "pitch_input: the encoder reads f0 from log-mels normalised by the run's statistics, and a checkpoint rebuilds it so."
    learn = train(_tiny(tmp_path, epochs=1, pitch_input=True), tmp_path/'run', progress=False, device='cpu')
    ck = load_checkpoint(tmp_path/'run', 'last', device='cpu')
    assert ck.model.encoder.pitch.mel == ck.mel == learn.dls.mel and ck.mel.std != 1.
    x = torch.randn(2, 1, 64, 126)
    with torch.no_grad(): torch.testing.assert_close(ck.model(x), learn.model.cpu().eval()(x))

def test_digits_source(tmp_path):
    from synesthesia.core import data_root
    if not (data_root()/'fsdd'/'recordings').is_dir(): pytest.skip('the digits data is not in $SYNESTHESIA_DATA')
    from synesthesia.config import build_datasets
    tr, va = build_datasets(load_config(ROOT/'configs'/'digits_audio2img.yaml'))
    assert len(tr) > 1000 and len(va) > 100 and tr[0][1].shape == (3, 32, 32) and tr[0][0].shape == (16000,)
    assert not {r[0] for r in tr.recs} & {r[0] for r in va.recs}

def test_class_pairing_draws_new_pictures_each_epoch(tmp_path):
    "pairing: class gives every training recording a fresh picture of its digit each epoch (validation keeps its pairs)."
    from synesthesia.core import data_root
    if not (data_root()/'fsdd'/'recordings').is_dir(): pytest.skip('the digits data is not in $SYNESTHESIA_DATA')
    from fastai.basics import Callback
    from synesthesia.pairs import ClassPairs
    from synesthesia.training import build_dls, build_learner
    c = load_config(ROOT/'configs'/'digits_img2audio.yaml', dict(voices='jackson', pairing='class', epochs=2, latent_dim=16, width=4, cache_dir=str(tmp_path)))
    dls = build_dls(c, device='cpu')
    ds = dls.train.dataset
    assert isinstance(ds, ClassPairs) and not isinstance(dls.valid.dataset, ClassPairs)
    seen = []
    class Spy(Callback):
        order = 1  # after NewPairsEachEpoch
        def before_epoch(self): seen.append(ds.choice.copy())
    learn = build_learner(c, dls, cbs=[Spy()])
    with learn.no_bar(): learn.fit(2, 1e-3)
    assert len(seen) == 2 and (seen[0] != seen[1]).mean() > 0.9
    resumed = build_learner(c, dls, cbs=[Spy()])  # a run resumed after epoch 0 draws epoch 1's pictures, as the unbroken one did
    resumed.first_epoch = 1
    ds.set_epoch(0)  # so only the resumed run's own callback can bring back epoch 1's draw
    with resumed.no_bar(): resumed.fit(2, 1e-3)
    assert len(seen) == 3 and (seen[2] == seen[1]).all()
    labels = ds.labels
    pics = {d: {tuple(p.flatten()[::97].tolist()) for p in ds.pictures[d]} for d in range(10)}
    for i in range(0, len(ds), 37):  # each drawn picture is one of its digit's pool
        assert tuple((ds.image(i)*255).round().byte().flatten()[::97].tolist()) in pics[int(labels[i])]

def test_ctrl_c_says_how_to_resume(tmp_path):
    "SIGINT (Ctrl-C) mid-run: exit status 130, the last checkpoint named, the command to continue printed."
    run = tmp_path/'run'
    args = ['--config', 'configs/audio2img.yaml', '--epochs', '5', '--batch_size', '16', '--no_bar', '--output_dir', str(run),
            '--set', 'n_train=256', 'n_valid=32', f'cache_dir={tmp_path/"cache"}']
    # as from a terminal: a shell that started the tests in the background (`cmd &`) leaves SIGINT ignored, and children inherit that
    proc = subprocess.Popen(['synesthesia_train', *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for(run/'checkpoints'/'last', 'epoch-0001', proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert 'interrupted' in err and 'Last checkpoint: epoch-000' in err and '--resume' in err and 'Traceback' not in err, err[-2000:]
    assert load_checkpoint(run, 'last', device='cpu').meta['epoch'] >= 1

@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
@pytest.mark.parametrize('precision,channels_last', [('bf16', True), ('fp16', False), ('auto', 'auto')])
def test_mixed_precision_on_gpu(tmp_path, precision, channels_last):
    c = _tiny(tmp_path, epochs=1, precision=precision, channels_last=channels_last)
    learn = train(c, tmp_path/'run', progress=False, device='cuda')
    assert learn.precision == ('bf16' if precision == 'auto' else precision)
    assert hasattr(learn, 'channels_last') == (channels_last is True or channels_last == 'auto')
    assert load_checkpoint(tmp_path/'run', device='cpu').model is not None  # weights saved in fp32, readable anywhere

def test_guided_flow_trains_and_loads_without_its_guide(tmp_path):
    import shutil
    det = _tiny(tmp_path, epochs=1)
    train(det, tmp_path/'det', progress=False, device='cpu')
    guide = load_checkpoint(tmp_path/'det', device='cpu')
    flow = _tiny(tmp_path, epochs=1, head='flow', guide=str(tmp_path/'det'))
    learn = train(flow, tmp_path/'flow', progress=False, device='cpu')
    for k, v in guide.model.state_dict().items(): torch.testing.assert_close(learn.model.guide.state_dict()[k], v, msg=k)  # frozen
    assert not any(p.requires_grad for p in learn.model.guide.parameters())
    shutil.rmtree(tmp_path/'det')  # the flow's checkpoint holds its guide
    ck = load_checkpoint(tmp_path/'flow', device='cpu')
    assert (ck.path/'guide.yaml').is_file() and ck.model.guide is not None
    with torch.no_grad(): assert ck.model.sample(torch.randn(2, 1, 64, 126), steps=2).shape == (2, 3, 32, 32)
    train(flow, tmp_path/'flow', resume=True, progress=False, device='cpu')  # rebuilt from guide.yaml, without the guide's run
    with pytest.raises(ValueError, match="only the flow head takes a guide"): make_config(dict(guide='x'))
    with pytest.raises(CheckpointError, match='no checkpoint here'):
        train(_tiny(tmp_path, head='flow', guide=str(tmp_path/'gone')), tmp_path/'flow2', progress=False, device='cpu')

def test_a_frozen_encoder_stays_the_guides(tmp_path):
    "freeze_encoder: the flow reads with the guide's own encoder, untouched by training, batch-norm statistics and all."
    train(_tiny(tmp_path, epochs=1), tmp_path/'det', progress=False, device='cpu')
    before = {k: v.clone() for k, v in load_checkpoint(tmp_path/'det', device='cpu').model.encoder.state_dict().items()}
    flow = _tiny(tmp_path, epochs=1, head='flow', guide=str(tmp_path/'det'), freeze_encoder=True)
    learn = train(flow, tmp_path/'flow', progress=False, device='cpu')
    assert not any(p.requires_grad for p in learn.model.encoder.parameters())
    ck = load_checkpoint(tmp_path/'flow', device='cpu')
    for k, v in before.items(): torch.testing.assert_close(ck.model.encoder.state_dict()[k], v, msg=k)
    assert ck.model.freeze_encoder and not ck.model.train().encoder.training  # rebuilt frozen from its config

def test_guide_must_match(tmp_path):
    det = _tiny(tmp_path, epochs=1)
    train(det, tmp_path/'det', progress=False, device='cpu')
    with pytest.raises(ValueError, match=r"latent_dim=32 \(guide: 16\)"):
        train(_tiny(tmp_path, head='flow', guide=str(tmp_path/'det'), latent_dim=32), tmp_path/'f', progress=False, device='cpu')
    with pytest.raises(ValueError, match='expected a deterministic img2audio run'):
        train(_tiny(tmp_path, head='flow', direction='img2audio', guide=str(tmp_path/'det')), tmp_path/'g', progress=False, device='cpu')

def test_a_diverged_epoch_is_checkpointed_but_never_best(tmp_path):
    from fastai.basics import Callback
    class NaNFirst(Callback):
        order = 52
        def after_epoch(self):
            if self.epoch == 0: self.recorder.values[-1][1] = float('nan')
    train(_tiny(tmp_path, epochs=2, keep=1), tmp_path/'run', progress=False, device='cpu', cbs=[NaNFirst()])
    ck = tmp_path/'run'/'checkpoints'
    assert (ck/'best').read_text().strip() == 'epoch-0002' == (ck/'last').read_text().strip()
    assert not (ck/'epoch-0001').exists()  # keep=1 and not the best

def test_errors_blame_their_source(tmp_path):
    from synesthesia.config import ConfigError
    bad, ok = tmp_path/'bad.yaml', tmp_path/'ok.yaml'
    bad.write_text('batchsize: 8\n'); ok.write_text('epochs: 2\n')
    with pytest.raises(ConfigError, match=r'bad.yaml: unknown key'): load_config(bad, {'epochs': 2})
    with pytest.raises(ConfigError, match=r'^command line \(over .*ok.yaml\): epochs=-1'): load_config(ok, {'epochs': -1})
    assert load_config(ok, {'epochs': 3}).epochs == 3 and load_config(ok).epochs == 2
