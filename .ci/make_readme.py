#!/usr/bin/env python
"""Make README.md (and the pictures in README_files/) from nbs/index.ipynb, as `nbdev_readme` would.

nbdev_readme needs Quarto, which cannot be installed everywhere, so this reads the notebook with nbdev's own
directive parser instead: markdown cells as they are; code cells without their `#|` lines, unless hidden
(`#| hide`, `#| include: false`) or with `#| echo: false`; outputs unless `#| output: false`; pictures saved as PNG.

    python .ci/make_readme.py          # rewrite README.md and README_files/
    python .ci/make_readme.py --check  # exit 1 if they differ from what the notebook makes
"""
import base64, sys
from pathlib import Path
from execnb.nbio import read_nb
from nbdev.process import extract_directives

ROOT = Path(__file__).resolve().parent.parent
NB, README, FILES = ROOT/'nbs'/'index.ipynb', ROOT/'README.md', 'README_files'
HEADER = '<!-- Made from nbs/index.ipynb by .ci/make_readme.py: edit the notebook, not this file. -->\n\n'

def _text(x): return ''.join(x) if isinstance(x, list) else x

def _off(dirs, key):
    "Whether Quarto directive `key` (e.g. 'echo') is set to false."
    return [v.lower() for v in dirs.get(f'{key}:', [])] == ['false']

def render(nb_path=NB):
    "The README text and a {relative path: PNG bytes} dict of its pictures."
    parts, files = [], {}
    for cell in read_nb(nb_path).cells:
        if cell.cell_type == 'markdown':
            parts.append(_text(cell.source).strip())
            continue
        if cell.cell_type != 'code': continue
        dirs = extract_directives(cell, remove=False)
        if 'hide' in dirs or _off(dirs, 'include'): continue
        code = '\n'.join(l for l in _text(cell.source).splitlines() if not l.startswith('#|')).strip()
        if code and not _off(dirs, 'echo'): parts.append(f'```python\n{code}\n```')
        if _off(dirs, 'output'): continue
        for j, out in enumerate(cell.get('outputs', [])):
            if out.output_type == 'stream': parts.append(f"```\n{_text(out.text).rstrip()}\n```")
            elif 'image/png' in out.get('data', {}):
                name = f'{FILES}/cell-{cell.idx_ + 1}-output-{j + 1}.png'
                files[name] = base64.b64decode(_text(out.data['image/png']))
                parts.append(f'![]({name})')
            elif 'text/markdown' in out.get('data', {}): parts.append(_text(out.data['text/markdown']).strip())
            elif 'text/plain' in out.get('data', {}): parts.append(f"```\n{_text(out.data['text/plain']).rstrip()}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n', files

def drift(root=ROOT):
    "What differs between the committed README and what the notebook makes (empty when in step)."
    text, files = render()
    problems = [] if (root/'README.md').read_text(encoding='utf-8') == text else ['README.md']
    have = {f'{FILES}/{p.name}' for p in (root/FILES).glob('*.png')}
    problems += [n for n in sorted(files) if n not in have or (root/n).read_bytes() != files[n]]
    problems += [f'{n} (not made by the notebook)' for n in sorted(have - set(files))]
    return problems

def write(root=ROOT):
    text, files = render()
    (root/FILES).mkdir(exist_ok=True)
    for p in (root/FILES).glob('*.png'):
        if f'{FILES}/{p.name}' not in files: p.unlink()
    for name, data in files.items(): (root/name).write_bytes(data)
    (root/'README.md').write_text(text, encoding='utf-8')

if __name__ == '__main__':
    if sys.argv[1:] == ['--check']:
        problems = drift()
        if problems: sys.exit('README is out of step with nbs/index.ipynb: ' + ', '.join(problems)
                              + '\nRun `python .ci/make_readme.py` and commit the result.')
        print('README.md is in step with nbs/index.ipynb')
    elif sys.argv[1:]: sys.exit(__doc__)
    else: write()
