"The repo's data/ is the sample make_sample_data writes, and loads through every path the command line uses."
import json

import torch
from conftest import ROOT
from synesthesia.pairs import make_sample_data, find_pairs, PairedFolder
from synesthesia.data import pair_dls

DATA = ROOT/'data'

def test_sample_data_is_what_make_sample_data_writes(tmp_path):
    make_sample_data(tmp_path)
    for split in ('train', 'val'):
        ours = sorted(p.relative_to(tmp_path/split) for p in (tmp_path/split).rglob('*') if p.is_file())
        theirs = sorted(p.relative_to(DATA/split) for p in (DATA/split).rglob('*') if p.is_file())
        assert ours == theirs, f'data/{split} differs from make_sample_data(): regenerate it'
        assert json.loads((tmp_path/split/'params.json').read_text()) == json.loads((DATA/split/'params.json').read_text())
        for f in ours:
            if f.suffix in ('.wav', '.png'): assert (tmp_path/split/f).read_bytes() == (DATA/split/f).read_bytes(), f

def test_sample_data_is_small_and_mixed():
    files = [p for p in DATA.rglob('*') if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 5_000_000
    assert {p.suffix for p in files} >= {'.wav', '.mp3', '.png', '.jpg'}
    for split, n in (('train', 24), ('val', 8)):
        rep = find_pairs(DATA/split)
        assert len(rep.pairs) == n and rep.problems == []

def test_loader_workers_give_the_same_batches():
    "Worker processes (as on a GPU machine) and the main process (as on a CPU) produce identical validation batches."
    train, valid = PairedFolder(DATA/'train', dur=2.), PairedFolder(DATA/'val', dur=2.)
    a = pair_dls(train, valid, bs=4, num_workers=0, device='cpu')
    b = pair_dls(train, valid, bs=4, num_workers=2, device='cpu', mel=a.mel)
    for (xa, ya), (xb, yb) in zip(a.valid, b.valid):
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    x, y = next(iter(b.train))
    assert x.shape == (4, 1, a.mel.n_mels, a.mel.n_frames(32000)) and y.shape == (4, 3, 64, 64)
