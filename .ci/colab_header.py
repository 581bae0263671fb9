"""The Colab header of every course notebook, written once here: a badge that opens the notebook in Colab, and a hidden
first code cell that installs the package when (and only when) the notebook runs in Colab.

    python .ci/colab_header.py           # insert or update the header in every numbered notebook in nbs/
    python .ci/colab_header.py --check   # list the notebooks whose header is missing or differs (exit 1 if any)

A new notebook needs only its title cell: this script puts the header after it. tests/test_layout.py runs the check.
"""
import argparse, hashlib, json, re, sys
from pathlib import Path

NBS = Path(__file__).resolve().parent.parent/'nbs'
REPO = 'synesthesia-ml/synesthesia'

BADGE = ('[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]'
         '(https://colab.research.google.com/github/{repo}/blob/main/nbs/{name})')
INSTALL = """#| hide
#| eval: false
# In Colab only: install the package, and let Colab show ipywidgets' widgets (colabtools #498)
import sys, subprocess
if 'google.colab' in sys.modules:
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q',
                    'synesthesia[dev] @ git+https://github.com/{repo}.git'], check=True)
    from google.colab import output; output.enable_custom_widget_manager()"""

def course_notebooks() -> list:
    "The numbered notebooks, in teaching order."
    return sorted(p for p in NBS.glob('*.ipynb') if re.match(r'\d\d', p.name))

def header(name: str) -> tuple:
    "(badge markdown, install code) for the notebook called `name`."
    return BADGE.format(repo=REPO, name=name), INSTALL.format(repo=REPO)

def _is_badge(cell): return cell['cell_type'] == 'markdown' and 'colab-badge.svg' in ''.join(cell['source'])
def _is_install(cell): return cell['cell_type'] == 'code' and "'google.colab' in sys.modules" in ''.join(cell['source'])
def _id(name, what): return hashlib.sha1(f'{name}/{what}'.encode()).hexdigest()[:8]

def _cell(kind, source, cid):
    lines = source.splitlines(keepends=True)
    if kind == 'markdown': return dict(cell_type='markdown', id=cid, metadata={}, source=lines)
    return dict(cell_type='code', execution_count=None, id=cid, metadata={}, outputs=[], source=lines)

def problems(path: Path) -> list:
    "What is wrong with the header of the notebook at `path` (nothing: an empty list)."
    cells, (badge, install) = json.loads(path.read_text())['cells'], header(path.name)
    errs = []
    if len(cells) < 3 or not _is_badge(cells[1]) or ''.join(cells[1]['source']) != badge:
        errs.append(f'{path.name}: the second cell should be the Colab badge for {path.name}')
    code = [c for c in cells if c['cell_type'] == 'code']
    if not code or ''.join(code[0]['source']) != install:
        errs.append(f'{path.name}: the first code cell should be the Colab install cell')
    return errs

def write_header(path: Path) -> bool:
    "Put the header right after the title cell of the notebook at `path`, replacing any older one; whether it changed."
    nb = json.loads(path.read_text())
    badge, install = header(path.name)
    old = [c for c in nb['cells'] if _is_badge(c) or _is_install(c)]
    ids = {('badge' if _is_badge(c) else 'install'): c['id'] for c in old}
    rest = [c for c in nb['cells'] if not (_is_badge(c) or _is_install(c))]
    cells = rest[:1] + [_cell('markdown', badge, ids.get('badge', _id(path.name, 'badge'))),
                        _cell('code', install, ids.get('install', _id(path.name, 'install')))] + rest[1:]
    if cells == nb['cells']: return False
    nb['cells'] = cells
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return True

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='report notebooks whose header is missing or differs; change nothing')
    a = ap.parse_args()
    if a.check:
        errs = [e for p in course_notebooks() for e in problems(p)]
        print('\n'.join(errs) or f'{len(course_notebooks())} notebooks: every Colab header in place')
        return 1 if errs else 0
    changed = [p.name for p in course_notebooks() if write_header(p)]
    print(f"header written into {', '.join(changed)}" if changed else 'every Colab header already in place')
    return 0

if __name__ == '__main__': sys.exit(main())
