"""The page check a person would make: each notebook rendered to HTML by nbconvert, opened in headless Chromium,
screenshotted into docs_check/, and checked for the pictures and audio players its committed outputs hold.

Needs Chromium (Debian: `apt-get install chromium`; .ci/run installs it) and nbconvert (a dev dependency)."""
import json, re, shutil, subprocess, tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT

CHROMIUM = next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason='needs Chromium (Debian package chromium); .ci/run installs it')
NBS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))
SHOTS = ROOT/'docs_check'

# Run in the page once everything has loaded: count the embedded pictures that decoded and the players that read
# their sound, and write the counts where --dump-dom shows them.
CHECK = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const pics = [...document.querySelectorAll('img')].filter(i => i.src.startsWith('data:image/'));
  const players = [...document.querySelectorAll('audio')];
  const src = a => a.currentSrc || a.src || (a.querySelector('source') || {}).src || '';
  const r = {pictures: pics.length, pictures_shown: pics.filter(i => i.complete && i.naturalWidth > 0).length,
             players: players.length, players_ready: players.filter(a => !a.error && a.readyState >= 1 && a.duration > 0).length,
             players_wav: players.filter(a => src(a).startsWith('data:audio/wav')).length,
             height: document.documentElement.scrollHeight};
  const pre = document.createElement('pre'); pre.id = 'syn-check'; pre.style.display = 'none'; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}, 1500));
</script>"""

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic', '--hide-scrollbars', '--virtual-time-budget=15000']

def expected(nb_path) -> dict:
    "Pictures and players in a notebook's saved outputs: image/png outputs, and <img>/<audio> in HTML outputs."
    pictures = players = 0
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if 'image/png' in data: pictures += 1
            elif 'text/html' in data:
                h = ''.join(data['text/html'])
                pictures += len(re.findall(r'<img\b[^>]*src="data:image/', h))
                players += len(re.findall(r'<audio\b', h))
    return dict(pictures=pictures, players=players)

def chromium(page: Path, profile: Path, *args) -> str:
    r = subprocess.run([CHROMIUM, *FLAGS, f'--user-data-dir={profile}', *args, page.as_uri()], capture_output=True, text=True, timeout=180)
    return r.stdout

def as_docs(nb):
    "The notebook as the docs site shows it: hidden cells gone, the code of `echo: false` cells folded away."
    nb.cells = [c for c in nb.cells if not re.search(r'^#\|\s*hide\s*$', c.source, re.M)]
    for c in nb.cells:
        if re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata.setdefault('jupyter', {})['source_hidden'] = True
    return nb

def render(name: str, tmp: Path) -> dict:
    "Render one notebook to HTML, open it, screenshot it into docs_check/, and return what the page showed."
    import nbformat
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter(template_name='lab').from_notebook_node(as_docs(nbformat.read(ROOT/'nbs'/name, as_version=4)))
    page = tmp/(Path(name).stem + '.html')
    page.write_text(body.replace('</body>', CHECK + '</body>'))
    dom = chromium(page, tmp/'profile', '--window-size=1280,900', '--dump-dom')  # a set window: else it keeps the last screenshot's, and the page measures at least that tall
    m = re.search(r'<pre id="syn-check"[^>]*>(.*?)</pre>', dom)
    assert m, f'{name}: the page did not finish loading in Chromium (no check result in the DOM)'
    seen = json.loads(m.group(1).replace('&quot;', '"'))
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS/(Path(name).stem + '.png')
    shot.unlink(missing_ok=True)
    chromium(page, tmp/'profile', f'--screenshot={shot}', f'--window-size=1280,{min(seen["height"], 32000)}')
    assert shot.is_file(), f'{name}: Chromium wrote no screenshot'
    im = Image.open(shot)
    rows = np.flatnonzero(np.asarray(im.convert('L')).std(1) > 0)  # the window is taller than the page: crop the blank end
    if len(rows): im.crop((0, 0, im.width, min(im.height, rows[-1] + 40))).save(shot)
    seen['screenshot'] = shot
    return seen

@pytest.fixture(scope='module')
def pages():
    "Every page rendered, two at a time (Chromium waits on itself a good deal: 69 s against 97 s one by one on 2 cores)."
    from concurrent.futures import ThreadPoolExecutor
    with tempfile.TemporaryDirectory() as d, ThreadPoolExecutor(2) as pool:
        folders = [Path(d)/Path(n).stem for n in NBS]  # a folder each: a Chromium profile is not to be shared by two browsers at once
        for f in folders: f.mkdir()
        yield dict(zip(NBS, pool.map(render, NBS, folders)))

@pytest.mark.parametrize('name', NBS)
def test_page_shows_every_picture_and_player(pages, name):
    want, seen = expected(ROOT/'nbs'/name), pages[name]
    assert seen['pictures'] == want['pictures'], f"{name}: the page holds {seen['pictures']} embedded pictures, its outputs {want['pictures']}"
    assert seen['pictures_shown'] == seen['pictures'], f"{name}: {seen['pictures'] - seen['pictures_shown']} pictures did not decode"
    assert seen['players'] == want['players'], f"{name}: the page holds {seen['players']} audio players, its outputs {want['players']}"
    assert seen['players_ready'] == seen['players'] == seen['players_wav'], f'{name}: some players hold no playable WAV: {seen}'
    px = np.asarray(Image.open(seen['screenshot']).convert('L'), dtype=np.float32)
    assert px.std() > 10, f"{name}: the screenshot {seen['screenshot']} is blank"

def test_pages_that_teach_by_ear_and_eye_have_outputs(pages):
    "Outputs are part of the docs: the index shows its picture, and the visualization and widget pages their views and players."
    assert pages['index.ipynb']['pictures'] >= 1
    viz, widgets = pages['07a_visualization.ipynb'], pages['07b_widgets.ipynb']
    assert viz['pictures'] >= 1 and viz['players'] >= 1 and widgets['pictures'] >= 1 and widgets['players'] >= 1, (viz, widgets)
    assert viz['pictures'] + widgets['pictures'] >= 20 and viz['players'] + widgets['players'] >= 8, (viz, widgets)
