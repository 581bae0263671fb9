"download_digits, with the network replaced by copies of the shared data: checksums accept the real files and refuse damaged ones."
import io, os, zipfile
from pathlib import Path

import pytest
from synesthesia.pairs import download_digits, DigitPairs, MNIST_FILES
from synesthesia.signals import BadFileError

SHARED = Path(os.environ.get('SYNESTHESIA_DATA', Path(__file__).resolve().parents[2]/'shared'/'data'))
pytestmark = pytest.mark.skipif(not (SHARED/'fsdd'/'recordings').is_dir(), reason='needs the shared spoken and written digits')

def fake_fetch(damage=None):
    "A fetch that serves the shared data: MNIST files by name, FSDD as a zip like GitHub's archive."
    def fetch(url, dest):
        name = url.rsplit('/', 1)[-1]
        if name in MNIST_FILES:
            data = (SHARED/'mnist'/name).read_bytes()
            Path(dest).write_bytes(data[:-10] + b'x'*10 if damage == name else data)
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
                for f in sorted((SHARED/'fsdd'/'recordings').glob('*.wav')):
                    data = f.read_bytes()
                    z.writestr(f'free-spoken-digit-dataset-master/recordings/{f.name}', data + b'\0' if damage == f.name else data)
                z.writestr('free-spoken-digit-dataset-master/README.md', 'FSDD')
            Path(dest).write_bytes(buf.getvalue())
    return fetch

def test_download_verifies_and_installs(tmp_path):
    download_digits(tmp_path, fetch=fake_fetch())
    assert len(list((tmp_path/'fsdd'/'recordings').glob('*.wav'))) == 2500
    assert len(DigitPairs('test', root=tmp_path)) == 250   # takes 0-4 of 5 speakers x 10 digits

def test_download_refuses_a_damaged_mnist_file(tmp_path):
    with pytest.raises(RuntimeError, match='t10k-labels-idx1-ubyte.gz.*md5'):
        download_digits(tmp_path, fetch=fake_fetch(damage='t10k-labels-idx1-ubyte.gz'))
    assert not (tmp_path/'mnist'/'t10k-labels-idx1-ubyte.gz').exists()  # nothing damaged is left behind

def test_download_refuses_a_changed_recording(tmp_path):
    with pytest.raises(BadFileError, match=r"\['lucas'\] differ"):
        download_digits(tmp_path, fetch=fake_fetch(damage='3_lucas_7.wav'))

def test_without_network_the_error_says_what_to_do(tmp_path):
    def offline(url, dest): raise OSError('Network is unreachable')
    with pytest.raises(RuntimeError, match='could not download t10k-images-idx3-ubyte.gz'):
        download_digits(tmp_path, fetch=offline)
