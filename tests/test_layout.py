"The repository keeps the shape the design describes: notebooks as the source, docs in teaching order."
import re

import yaml
from execnb.nbio import read_nb

from conftest import ROOT

NBS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))

def sidebar_entries(items):
    for it in items:
        if isinstance(it, str): yield it
        elif 'contents' in it: yield from sidebar_entries(it['contents'])
        else: yield it['href']

def test_sidebar_lists_every_notebook_in_teaching_order():
    cfg = yaml.safe_load((ROOT/'nbs'/'_quarto.yml').read_text())
    listed = list(sidebar_entries(cfg['website']['sidebar']['contents']))
    numbered = sorted(n for n in NBS if re.match(r'\d\d', n))
    assert listed == ['index.ipynb'] + numbered, f'the sidebar in nbs/_quarto.yml should be index, then {numbered}'

def test_every_module_comes_from_a_notebook():
    "Nothing in synesthesia/ is written by hand: each module is exported by the numbered notebook of its name."
    exports = {}
    for name in NBS:
        for cell in read_nb(ROOT/'nbs'/name).cells:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(cell.source), re.M)
            if m: exports[m.group(1)] = name
    modules = sorted(p.stem for p in (ROOT/'synesthesia').glob('*.py') if not p.stem.startswith('_'))
    assert sorted(exports) == modules, f'modules {modules} but notebooks export {exports}'
    for mod, name in exports.items():
        assert f'File to edit: ../nbs/{name}' in (ROOT/'synesthesia'/f'{mod}.py').read_text(), mod

def test_notebooks_stay_small():
    "Outputs are docs, but each notebook stays under 1 MB and all of them under 8 MB."
    sizes = {n: (ROOT/'nbs'/n).stat().st_size for n in NBS}
    assert all(s < 1_000_000 for s in sizes.values()), sizes
    assert sum(sizes.values()) < 8_000_000, sizes

def test_notebooks_open_with_a_title():
    for n in NBS:
        first = read_nb(ROOT/'nbs'/n).cells[0]
        assert first.cell_type == 'markdown' and first.source.startswith('# '), f'{n} should open with a "# Title" cell'

def test_workflows_keep_nbdev_2():
    "The stock fastai/workflows actions install the newest nbdev (3), which refuses settings.ini."
    for wf in (ROOT/'.github'/'workflows').glob('*.y*ml'):
        text = wf.read_text()
        yaml.safe_load(text)
        assert not re.search(r'uses:\s*fastai/workflows', text), f'{wf.name} uses a stock fastai/workflows action'
        assert not re.search(r'pip install[^\n]*-U[^\n]*nbdev', text), f'{wf.name} upgrades nbdev past 2'

def test_every_course_notebook_opens_in_colab():
    "Near the top: a Colab badge for the notebook itself, and a hidden first code cell that installs the package in Colab only."
    for n in NBS:
        if not re.match(r'\d\d', n): continue
        cells = read_nb(ROOT/'nbs'/n).cells
        top = ''.join(''.join(c.source) for c in cells[:3] if c.cell_type == 'markdown')
        assert f'colab.research.google.com/github/synesthesia-ml/synesthesia/blob/main/nbs/{n})' in top, f'{n}: no Colab badge for itself near the top'
        first = ''.join(next(c for c in cells if c.cell_type == 'code').source)
        assert first.startswith('#| hide') and "if 'google.colab' in sys.modules:" in first and 'pip' in first, f'{n}: the first code cell should install the package, in Colab only'
        assert 'enable_custom_widget_manager()' in first, f'{n}: the Colab cell should turn on the widget manager (colabtools #498)'

def test_public_api_has_docstrings():
    "show_doc puts every exported name on the docs site; each needs a docstring to say what it is."
    import importlib, inspect
    for p in sorted((ROOT/'synesthesia').glob('[!_]*.py')):
        mod = importlib.import_module(f'synesthesia.{p.stem}')
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert inspect.getdoc(obj), f'synesthesia.{p.stem}.{name} has no docstring'

def test_no_cell_mixes_imports_with_other_code():
    "nbdev's docs build runs every cell that imports something: such a cell must hold only imports, or the build runs code without what it needs."
    import ast
    from nbdev.process import extract_directives
    for n in NBS:
        for i, c in enumerate(read_nb(ROOT/'nbs'/n).cells):
            if c.cell_type != 'code' or 'nbdev_export()' in c.source: continue
            d = extract_directives(c, remove=False)
            if d.keys() & {'export', 'exports', 'exporti', 'exec_doc'} or d.get('eval:', [''])[0].lower() == 'false': continue
            nodes = list(ast.walk(ast.parse(c.source)))
            if any(isinstance(x, (ast.Import, ast.ImportFrom)) for x in nodes):
                assert not any(isinstance(x, (ast.Expr, ast.Assign)) for x in nodes), f'{n}, cell {i}: imports mixed with other code\n{c.source[:300]}'
