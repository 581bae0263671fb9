"README.md is made from nbs/index.ipynb, and its quick start is what CI runs."
import importlib.util, re

from conftest import ROOT

def _make_readme():
    spec = importlib.util.spec_from_file_location('make_readme', ROOT/'.ci'/'make_readme.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_readme_in_step_with_index():
    assert _make_readme().drift() == [], 'README.md has drifted from nbs/index.ipynb: run `python .ci/make_readme.py`'

def quick_start():
    "The commands of the first shell block under README's 'Quick start' heading."
    text = (ROOT/'README.md').read_text(encoding='utf-8')
    section = text.split('## Quick start', 1)[1]
    block = re.search(r'```sh\n(.*?)```', section, re.S).group(1)
    return [l.strip() for l in block.splitlines() if l.strip()]

def test_quick_start_is_what_ci_runs():
    "Every command a new user types after cloning must be one that .ci/run runs, so CI proves the README works."
    cmds = [c for c in quick_start() if not c.startswith(('git clone', 'cd '))]
    assert 'pip install -e ".[dev]"' in cmds and 'nbdev_test' in cmds, cmds
    ci = [l.strip() for l in (ROOT/'.ci'/'run').read_text().splitlines() if l.strip() and not l.strip().startswith('#')]
    missing = [c for c in cmds if not any(c in l for l in ci)]
    assert not missing, f'README quick start commands that .ci/run does not run: {missing}'

def test_readme_results_are_the_json():
    "The README's results tables are what bench/run_all.py makes from bench/results/*.json now: no number typed by hand or left stale."
    spec = importlib.util.spec_from_file_location('run_all', ROOT/'bench'/'run_all.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    readme = (ROOT/'README.md').read_text(encoding='utf-8')
    assert mod.results_markdown() in readme, 'README results differ from bench/results/*.json: run `python bench/run_all.py --table`'
