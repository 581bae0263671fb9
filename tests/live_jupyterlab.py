"""The widgets in a real JupyterLab, driven through Chromium: an optional check, not part of CI (it needs JupyterLab
and Playwright, which the package does not depend on).

    pip install jupyterlab playwright      # Playwright's own browser is not needed: Debian's chromium is used
    python tests/live_jupyterlab.py        # exits 1 if a widget does not answer; screenshots in docs_check/

It writes a notebook that shows the sound -> picture and picture -> sound explorers (with the classical translators,
so no training), opens it in JupyterLab, runs it, then moves a slider with the keyboard and clicks a button, and checks
that the picture and the sound each widget shows change, and that the caption names the new setting."""
import json, os, socket, subprocess, sys, tempfile, time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CELLS = ['from synesthesia.viz import sound_explorer, picture_explorer\nfrom synesthesia.audio2img import chroma_picture\nfrom synesthesia.img2audio import world_sound',
         'sound_explorer(chroma_picture)', 'picture_explorer(world_sound)']

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def view(cell):
    "The picture and sound sources, and the first caption, of the view a widget cell shows."
    v = cell.locator('.syn-view')
    return v.locator('img').nth(0).get_attribute('src'), v.locator('img').nth(1).get_attribute('src'), v.locator('audio source').first.get_attribute('src'), v.locator('.syn-cap').first.inner_text()

def after_change(cell, before, timeout=30):
    "The view once its caption differs from `before`'s (the view is replaced when a control moves), or the last one seen."
    for _ in range(timeout*2):
        now = view(cell)
        if now[3] != before[3]: return now
        time.sleep(0.5)
    return now

def changed(before, after, what) -> bool:
    ok = before[:3] != after[:3] and all(b != a for b, a in zip(before[:3], after[:3]))
    print(f'{what}: every panel changed: {ok}; caption {before[3]!r} -> {after[3]!r}')
    return ok

def main() -> int:
    d = Path(tempfile.mkdtemp())
    nb = dict(cells=[dict(cell_type='code', execution_count=None, id=f'c{i}', metadata={}, outputs=[], source=s) for i, s in enumerate(CELLS)],
              metadata={'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}, nbformat=4, nbformat_minor=5)
    (d/'live.ipynb').write_text(json.dumps(nb))
    port = free_port()
    srv = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.token=', '--ServerApp.password=',
                            f'--ServerApp.root_dir={d}', '--allow-root'], stdout=open(d/'server.log', 'w'), stderr=subprocess.STDOUT,
                           env=dict(os.environ, MPLBACKEND='Agg'))
    shots = ROOT/'docs_check'; shots.mkdir(exist_ok=True)
    ok = True
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
            page = b.new_page(viewport={'width': 1200, 'height': 1400})
            for _ in range(60):
                try: page.goto(f'http://127.0.0.1:{port}/lab/tree/live.ipynb', timeout=5000); break
                except Exception: time.sleep(1)
            page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120000)   # the kernel has started
            page.locator('.jp-Notebook .jp-Cell').first.click(); page.keyboard.press('Escape')
            for _ in CELLS: page.keyboard.press('Shift+Enter'); time.sleep(0.5)
            cells = page.locator('.jp-Notebook .jp-Cell')
            for i in (1, 2): cells.nth(i).locator('.syn-view').wait_for(timeout=120000)
            sound, picture = cells.nth(1), cells.nth(2)
            page.screenshot(path=str(shots/'live_jupyterlab_before.png'), full_page=True)

            before = view(sound)
            sound.locator('.noUi-handle').first.focus(); page.keyboard.press('ArrowRight')     # pitch: one semitone up
            now = after_change(sound, before)
            ok &= changed(before, now, 'sound -> picture, pitch slider one step right') and now[3].startswith('A#4')

            before = view(picture)
            picture.get_by_role('button', name='star').click()                                  # shape: star, so timbre: sawtooth
            now = after_change(picture, before)
            ok &= changed(before, now, 'picture -> sound, shape button "star"') and 'star' in now[3]
            page.screenshot(path=str(shots/'live_jupyterlab_after.png'), full_page=True)
            b.close()
    finally:
        srv.terminate()
    print('widgets answer in JupyterLab' if ok else 'a widget did not answer as it should', '| screenshots:', shots/'live_jupyterlab_*.png')
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
