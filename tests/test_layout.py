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

def exported_modules() -> dict:
    "{module name: its notebook}, in teaching order."
    out = {}
    for name in NBS:
        for cell in read_nb(ROOT/'nbs'/name).cells:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(cell.source), re.M)
            if m: out[m.group(1)] = name
    return out

def test_every_module_comes_from_a_notebook():
    "Nothing in synesthesia/ is written by hand: each module is exported by the numbered notebook of its name."
    exports = exported_modules()
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

# --- rooms a learner can follow (issue #27) -----------------------------------------------------------------------
MAX_MODULE_LINES, MAX_CELL_LINES, MAX_CELL_DEFS, MAX_COLUMNS = 500, 40, 2, 120
EXPORTS = {'export', 'exports', 'exporti'}

def export_cells():
    "(notebook, cell index, code without its `#|` directives) of every export cell."
    from nbdev.process import extract_directives
    for n in NBS:
        for i, c in enumerate(read_nb(ROOT/'nbs'/n).cells):
            if c.cell_type != 'code' or not extract_directives(c, remove=False).keys() & EXPORTS: continue
            yield n, i, '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip('\n')

def test_modules_stay_short():
    long = {p.name: n for p in (ROOT/'synesthesia').glob('*.py') if p.name != '_modidx.py'
            and (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f'modules over {MAX_MODULE_LINES} lines (split the notebook): {long}'

def test_export_cells_hold_one_idea():
    "At most 40 lines and two top-level definitions (a def, a class, or a patched method) per export cell."
    import ast
    bad = []
    for n, i, code in export_cells():
        defs = [x.name for x in ast.parse(code).body if isinstance(x, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        lines = len(code.splitlines())
        if lines > MAX_CELL_LINES or len(defs) > MAX_CELL_DEFS: bad.append(f'{n}, cell {i}: {lines} lines, defines {defs}')
    assert not bad, 'export cells to split:\n' + '\n'.join(bad)

def _public_definitions(code: str) -> list:
    "Public top-level functions and classes of a cell, leaving out `@patch` methods (they belong to a class above)."
    import ast
    def patched(node):
        return any((d.func if isinstance(d, ast.Call) else d).__dict__.get('id') == 'patch' for d in node.decorator_list)
    return [x.name for x in ast.parse(code).body if isinstance(x, (ast.FunctionDef, ast.ClassDef))
            and not x.name.startswith('_') and not patched(x)]

def test_each_definition_is_followed_by_its_demo():
    "A public definition is shown working (a demo or a test) before the next one; its `@patch` methods may come first."
    from nbdev.process import extract_directives
    bad = []
    for n in NBS:
        cells = [c for c in read_nb(ROOT/'nbs'/n).cells if c.cell_type == 'code']
        exported = [bool(extract_directives(c, remove=False).keys() & EXPORTS) for c in cells]
        defs = [_public_definitions('\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))) if e else []
                for c, e in zip(cells, exported)]
        for i, names in enumerate(defs):
            if not names: continue
            nxt = next((j for j in range(i + 1, len(cells)) if not exported[j] or defs[j]), None)
            if nxt is None or exported[nxt]: bad.append(f'{n}: {names} has no demo or test before the next definition')
    assert not bad, '\n'.join(bad)

def test_library_lines_fit_120_columns():
    """Every line of the library within 120 columns. nbdev writes `__all__` itself, wrapping the list at 120 columns
    before it puts `__all__ = ` in front, so the first line of that list is let through (nbdev 2.4's maker.py)."""
    bad = []
    for p in sorted((ROOT/'synesthesia').glob('*.py')):
        if p.name == '_modidx.py': continue
        for k, line in enumerate(p.read_text().splitlines(), 1):
            allowed = MAX_COLUMNS + (len('__all__ = ') if line.startswith('__all__ = [') else 0)
            if len(line) > allowed: bad.append(f'{p.name}:{k}: {len(line)} columns: {line[:60]}...')
    assert not bad, '\n'.join(bad)

def test_imports_run_one_way_and_keep_private_names_private():
    "A module imports only from modules taught before it, and never a name that starts with `_`."
    import ast
    order = list(exported_modules())
    for mod in order:
        tree = ast.parse((ROOT/'synesthesia'/f'{mod}.py').read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom): continue
            src = node.module if node.level else (node.module or '').removeprefix('synesthesia.')
            if not (node.level or (node.module or '').startswith('synesthesia.')) or src not in order: continue
            assert order.index(src) < order.index(mod), f'synesthesia.{mod} imports {src}, which comes after it'
            private = [a.name for a in node.names if a.name.startswith('_')]
            assert not private, f'synesthesia.{mod} imports private names {private} from {src}'

def test_main_stays_out_of_all():
    import importlib
    for mod in exported_modules():
        assert 'main' not in importlib.import_module(f'synesthesia.{mod}').__all__, f'synesthesia.{mod}.__all__ holds main'

def test_colab_header_is_written_by_its_script():
    "Every course notebook carries the header `.ci/colab_header.py` writes, exactly (run it to fix one)."
    import importlib.util
    spec = importlib.util.spec_from_file_location('colab_header', ROOT/'.ci'/'colab_header.py')
    ch = importlib.util.module_from_spec(spec); spec.loader.exec_module(ch)
    errs = [e for p in ch.course_notebooks() for e in ch.problems(p)]
    assert not errs, '\n'.join(errs) + '\nrun: python .ci/colab_header.py'

def test_one_spelling_for_each_direction():
    "`audio2img` and `img2audio` everywhere; the long spellings only where old configs are read."
    old = re.compile(r'audio2image|image2audio')
    for p in sorted((ROOT/'synesthesia').glob('[!_]*.py')) + sorted((ROOT/'configs').glob('*.yaml')):
        hits = [l for l in p.read_text().splitlines() if old.search(l) and 'OLD_DIRECTIONS' not in l]
        assert not hits, f'{p.name}: {hits[:3]}'
