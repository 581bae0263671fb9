"""synesthesia_evaluate end to end: a checkpoint from the training pipeline in, images, audio, metrics.json and a report
out; mistakes are one line and exit status 2; an earlier report is never overwritten unless asked."""
import json, os, subprocess, sys
from pathlib import Path

import pytest

from synesthesia.config import make_config
from synesthesia.training import train
from synesthesia.evaluation import main


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('runs')
    small = dict(data='synthetic', n_train=48, n_valid=16, epochs=1, batch_size=16, img_size=32, dur=1., width=8, cache=False)
    train(make_config(dict(small, direction='audio2img')), root/'a2i', progress=False)
    train(make_config(dict(small, direction='img2audio')), root/'i2a', progress=False)
    train(make_config(dict(small, direction='audio2img', head='flow', cond_drop=0.25)), root/'a2i_flow', progress=False)
    return root


def test_evaluate_command_writes_a_report(runs, tmp_path):
    out = tmp_path/'report'
    r = subprocess.run(['synesthesia_evaluate', '--checkpoint', str(runs/'a2i'), '--output_dir', str(out), '--n', '20'],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'report:' in r.stdout and 'probe hue_within_10deg' in r.stdout
    m = json.loads((out/'metrics.json').read_text())
    assert m['n'] == 20 and m['direction'] == 'audio2img' and m['data'] == 'synthetic'
    fd = next(iter(m['distribution'].values()))
    assert fd['fd'] is None and 'N > d' in fd['note']  # 20 items cannot support 128-d statistics: said, not computed
    assert {'l1', 'psnr_db', 'ssim'} <= set(m['paired']) and m['paired']['ssim']['n'] == 20
    for sub, ext in (('sources', 'wav'), ('outputs', 'png'), ('targets', 'png')): assert len(list((out/sub).glob(f'*.{ext}'))) == 20
    page = (out/'report.html').read_text()
    assert page.count('<audio') == 16 and 'outputs/0000.png' in page and 'outputs/0019.png' in page and 'metrics.json' in page


def test_image_to_audio_report_has_sounds_and_audio_measures(runs, tmp_path):
    assert main(['--checkpoint', str(runs/'i2a'), '--output_dir', str(tmp_path/'r'), '--n', '12', '--griffin_lim', '4']) == 0
    m = json.loads((tmp_path/'r'/'metrics.json').read_text())
    assert {'coherence', 'spectral_convergence', 'lsd_db', 'mr_stft', 'mfcc_mcd_db'} <= set(m['paired'])
    assert 0 < m['paired']['coherence']['floor'] < 0.1 and m['griffin_lim_rounds'] == 4 and m['vocoder'] == 'griffinlim'
    assert {'pitch_within_25c', 'timbre_acc', 'tempo_within_5pct'} <= set(m['probes'])
    assert len(list((tmp_path/'r'/'outputs').glob('*.wav'))) == 12


def test_sounds_play_through_the_vocoder_chosen(runs, tmp_path, capsys):
    from synesthesia.vocoder import Vocoder, save_vocoder
    voc = save_vocoder(Vocoder(start_rounds=2, dim=8, layers=1), tmp_path/'voc')
    assert main(['--checkpoint', str(runs/'i2a'), '--output_dir', str(tmp_path/'r'), '--n', '4', '--vocoder', str(voc)]) == 0
    m = json.loads((tmp_path/'r'/'metrics.json').read_text())
    assert m['vocoder'] == str(voc) and 'griffin_lim_rounds' not in m
    assert main(['--checkpoint', str(runs/'i2a'), '--output_dir', str(tmp_path/'w'), '--vocoder', 'wavenet']) == 2
    assert "--vocoder wavenet: expected 'griffinlim', 'neural'" in capsys.readouterr().err and not (tmp_path/'w').exists()


def test_refuses_to_overwrite_unless_told(runs, tmp_path, capsys):
    out = tmp_path/'report'
    assert main(['--checkpoint', str(runs/'a2i'), '--output_dir', str(out), '--n', '8']) == 0
    first = (out/'metrics.json').read_text()
    (out/'notes.txt').write_text('mine')
    assert main(['--checkpoint', str(runs/'a2i'), '--output_dir', str(out), '--n', '9']) == 2
    assert 'earlier report' in capsys.readouterr().err and (out/'metrics.json').read_text() == first  # nothing lost
    assert main(['--checkpoint', str(runs/'a2i'), '--output_dir', str(out), '--n', '9', '--overwrite']) == 0
    assert json.loads((out/'metrics.json').read_text())['n'] == 9
    other = tmp_path/'other'; other.mkdir(); (other/'data.csv').write_text('x')
    assert main(['--checkpoint', str(runs/'a2i'), '--output_dir', str(other), '--n', '8', '--overwrite']) == 2  # not a report folder
    assert (other/'data.csv').read_text() == 'x'


def test_flow_is_drawn_with_the_guidance_asked_for(runs, tmp_path):
    flags = ['--checkpoint', str(runs/'a2i_flow'), '--n', '8', '--steps', '2', '--draws', '2']
    assert main([*flags, '--output_dir', str(tmp_path/'plain')]) == 0
    assert main([*flags, '--output_dir', str(tmp_path/'guided'), '--guidance', '3']) == 0
    plain, guided = (json.loads((tmp_path/k/'metrics.json').read_text()) for k in ('plain', 'guided'))
    assert (plain['flow_guidance'], guided['flow_guidance'], guided['flow_steps']) == (1, 3, 2)
    assert (tmp_path/'plain'/'outputs'/'0000.png').read_bytes() != (tmp_path/'guided'/'outputs'/'0000.png').read_bytes()


@pytest.mark.parametrize('extra, fragment', [
    (dict(checkpoint='nowhere'), 'nowhere'),
    (dict(n='0'), '--n 0'),
    (dict(data_dir='no/such/folder'), 'no/such/folder'),
    (dict(guidance='2'), 'guidance=2.0: only the flow head is guided'),
])
def test_mistakes_are_one_line(runs, tmp_path, capsys, extra, fragment):
    flags = dict(checkpoint=str(runs/'a2i'), output_dir=str(tmp_path/'r')) | extra
    assert main([x for k, v in flags.items() for x in (f'--{k}', v)]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and err.count('\n') == 0 and 'Traceback' not in err
    assert not (tmp_path/'r').exists()


def test_damaged_checkpoint_is_refused(runs, tmp_path, capsys):
    import shutil
    bad = tmp_path/'bad'
    shutil.copytree(runs/'a2i', bad)
    ck = next((bad/'checkpoints').glob('epoch-*'))
    with open(ck/'model.safetensors', 'r+b') as f: f.seek(100); f.write(b'\0'*8)
    assert main(['--checkpoint', str(bad), '--output_dir', str(tmp_path/'r')]) == 2
    assert 'model.safetensors' in capsys.readouterr().err


def test_cycle_consistency_scores_both_round_trips(runs):
    import torch
    from synesthesia.inference import load_checkpoint
    from synesthesia.world import SynthWorld
    from synesthesia.evaluation import cycle_consistency
    a2i, i2a = load_checkpoint(runs/'a2i', device='cpu'), load_checkpoint(runs/'i2a', device='cpu')
    w = SynthWorld(n=6, seed=9, dur=1., img_size=32)
    sounds, pictures = torch.stack([w[i][0] for i in range(6)]), torch.stack([w.image(i) for i in range(6)])
    r = cycle_consistency(a2i, i2a, sounds=sounds, pictures=pictures)
    assert set(r['audio_image_audio']) == {'coherence', 'spectral_convergence', 'lsd_db', 'mr_stft', 'mfcc_mcd_db'}
    assert set(r['image_audio_image']) == {'l1', 'psnr_db', 'ssim'} and r['image_audio_image']['l1']['n'] == 6
    with pytest.raises(ValueError, match='expected an audio2img and an img2audio'): cycle_consistency(i2a, a2i, sounds=sounds)


def test_loud_outputs_are_scaled_and_listed_and_failures_leave_nothing(tmp_path):
    import torch
    from synesthesia.signals import MelSpec, load_audio
    from synesthesia.evaluation import write_report
    m = dict(direction='img2audio', head='flow', data='digits', checkpoint='x/epoch-0001', n=2, seed=0)
    files = dict(names=['a', 'b'], sources=torch.rand(2, 3, 32, 32), outputs=torch.stack([torch.full((8000,), 0.5), torch.full((8000,), 1.5)]),
                 targets=torch.zeros(2, 8000), a2i=False, sr=16000, mel=MelSpec())
    write_report(m, files, tmp_path/'r')
    saved = json.loads((tmp_path/'r'/'metrics.json').read_text())
    assert saved['files_scaled'] == {'outputs/b.wav': 0.666}
    assert float(load_audio(tmp_path/'r'/'outputs'/'b.wav').abs().max()) == pytest.approx(0.999, abs=1e-3)
    files['outputs'] = torch.full((2, 8000), float('nan'))  # not a sound: the write fails part way
    with pytest.raises(Exception): write_report(m, files, tmp_path/'r2')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['r']  # no half-written report or temporary folder left


@pytest.mark.parametrize('workers', [1, 2])
def test_a_bad_test_file_is_named_with_any_number_of_workers(runs, tmp_path, capsys, monkeypatch, workers):
    "A file that cannot be read (NaN samples) stops the evaluation with its name and nothing written, whether read here or in a worker process."
    import functools
    import numpy as np, soundfile as sf
    import synesthesia.data
    folder = synesthesia.pairs.make_sample_data(tmp_path/'data', n_train=6, n_val=2)/'train'
    bad = folder/'audio'/'train_004.wav'  # item 4 of 6: with two workers, the second one reads it
    sf.write(bad, np.full(16000, np.nan, 'float32'), 16000, subtype='FLOAT')
    # the folder scan opens every file and would stop at this one first; without it, the file is found when the items are read
    monkeypatch.setattr(synesthesia.pairs, "find_pairs", functools.partial(synesthesia.pairs.find_pairs, check=False))
    assert main(['--checkpoint', str(runs/'a2i'), '--output_dir', str(tmp_path/'r'), '--data_dir', str(folder), '--workers', str(workers)]) == 2
    err = capsys.readouterr().err.strip()
    assert bad.name in err and 'NaN' in err and err.count('\n') == 0, err
    assert not (tmp_path/'r').exists()
