"""Leave one speaker out with the flow head: guided per voice, scored against retrieval at the same N."""
from dataclasses import replace

import pytest

from synesthesia.core import data_root
from synesthesia.config import make_config
from synesthesia.generalisation import leave_one_speaker_out

def _tiny(**kw):
    return make_config(dict(data='digits', encoder='cnn_bands', img_size=32, dur=1., latent_dim=16, width=4, epochs=1,
                            batch_size=64, pairing='class') | kw)

def test_flow_per_voice_beside_retrieval(tmp_path):
    if not (data_root()/'fsdd'/'recordings').is_dir(): pytest.skip('the digits data is not in $SYNESTHESIA_DATA')
    det = leave_one_speaker_out(_tiny(), tmp_path/'det', voices=('theo',), device='cpu')
    flow = replace(_tiny(), head='flow', width=8)
    with pytest.raises(ValueError, match='needs `guides`'):
        leave_one_speaker_out(flow, tmp_path/'x', voices=('theo',), device='cpu')
    (tmp_path/'wrong').mkdir(); (tmp_path/'wrong'/'lucas').symlink_to(tmp_path/'det'/'theo')  # a guide that heard lucas
    with pytest.raises(ValueError, match=r"test_speakers=\('lucas',\) \(guide: \('theo',\)\)"):
        leave_one_speaker_out(flow, tmp_path/'y', voices=('lucas',), device='cpu', guides=tmp_path/'wrong')
    r = leave_one_speaker_out(flow, tmp_path/'flow', voices=('theo',), device='cpu', guides=tmp_path/'det')
    p = r['per_voice']['theo']
    assert p['head'] == 'flow' and p['learned']['n'] == 500
    for k in ('learned', 'retrieval'):
        assert p['classwise_kid'][k]['n_generated'] == 500 and sorted(p['classwise_kid'][k]['per_class']) == list(range(10))
        assert r['classwise_kid'][k]['mean'] == p['classwise_kid'][k]['kid']
    assert set(det['classwise_kid']) == {'learned', 'retrieval'}  # the deterministic head's too
