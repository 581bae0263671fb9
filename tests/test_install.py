"Install-level checks: what a fresh machine would catch that the notebooks cannot."
import importlib, importlib.metadata as md, os, re, shutil, subprocess, sys, zipfile

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from conftest import ROOT, read_settings, requirements, console_scripts

MODULES = sorted(p.stem for p in (ROOT/'synesthesia').glob('*.py') if p.stem != '__init__')

@pytest.mark.parametrize('mod', MODULES)
def test_module_imports_in_fresh_process(mod, tmp_path):
    "Exported code must not lean on anything a notebook defined: import it alone, from outside the repo."
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    code = f'import synesthesia, synesthesia.{mod}; print(synesthesia.__file__)'
    res = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert res.returncode == 0, f'import synesthesia.{mod} failed in a fresh process:\n{res.stderr[-3000:]}'
    assert res.stdout.strip().startswith(str(ROOT/'synesthesia')), f'imported {res.stdout.strip()}, not this checkout'

def test_version_matches_settings():
    import synesthesia
    version = read_settings()['version']
    assert synesthesia.__version__ == version, 'run nbdev_export: __init__.py has a stale version'
    assert md.version('synesthesia') == version, 'the installed package is stale: pip install -e ".[dev]" again'

@pytest.mark.parametrize('name,target', console_scripts())
def test_console_script_on_path(name, target):
    assert shutil.which(name), f'{name} is declared in settings.ini but is not on PATH: pip install -e ".[dev]" again'
    mod, fn = target.split(':')
    assert callable(getattr(importlib.import_module(mod), fn)), f'{name} points at {target}, which is not callable'

@pytest.mark.parametrize('req', requirements('requirements') + requirements('dev_requirements'))
def test_installed_versions_satisfy_settings(req):
    "A stale or half-upgraded environment (say ghapi 2.1 beside nbdev 2) fails here, not deep inside a notebook."
    r = Requirement(req)
    installed = md.version(r.name)
    assert r.specifier.contains(installed, prereleases=True), f'{r.name} {installed} is installed, settings.ini asks for {req}'

# Versions known to break this project (see CONTRIBUTING.md, "Why the pins"): the pins must keep excluding them.
KNOWN_BAD = {'nbdev': '3.0.0', 'fastcore': '2.0.0', 'execnb': '0.2.0', 'ghapi': '2.1.0', 'fastai': '2.8.8'}

@pytest.mark.parametrize('name,bad', KNOWN_BAD.items())
def test_pins_exclude_known_bad_versions(name, bad):
    reqs = {Requirement(r).name: Requirement(r) for r in requirements('requirements') + requirements('dev_requirements')}
    assert name in reqs, f'{name} must be pinned in settings.ini'
    assert not reqs[name].specifier.contains(bad), f'settings.ini lets in {name} {bad}, which breaks this project'

def test_setup_builds_without_pkg_resources():
    "Current setuptools no longer ships pkg_resources: setup.py must not need it."
    assert 'pkg_resources' not in (ROOT/'setup.py').read_text().replace('`pkg_resources`', '')
    assert Version(read_settings()['min_python']) >= Version('3.10')

def test_supported_pythons_agree():
    "settings.ini's python_versions (the classifiers), its min_python and the GitHub workflow's matrix name the same Pythons."
    s = read_settings()
    versions = s['python_versions'].split()
    assert versions[0] == s['min_python'], f"min_python {s['min_python']} is not the oldest of python_versions {versions}"
    matrix = re.search(r"python-version: \[(.*?)\]", (ROOT/'.github/workflows/test.yaml').read_text())
    assert matrix and matrix.group(1) == ', '.join(f"'{v}'" for v in versions), f'the workflow tests {matrix and matrix.group(1)}, settings.ini names {versions}'

def test_wheel_carries_the_configs(tmp_path):
    "A plain `pip install` (a wheel, no clone) must carry configs/ to <prefix>/share/synesthesia/configs, where the pipeline looks for them."
    src = tmp_path/'src'  # a copy, so that the build leaves nothing in the checkout
    src.mkdir()
    for name in ('setup.py', 'settings.ini', 'README.md'): shutil.copy(ROOT/name, src/name)
    for d in ('synesthesia', 'configs'): shutil.copytree(ROOT/d, src/d, ignore=shutil.ignore_patterns('__pycache__'))
    res = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path/'dist'), str(src)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    whl, = (tmp_path/'dist').glob('synesthesia-*.whl')
    shipped = {n.rsplit('/', 1)[1] for n in zipfile.ZipFile(whl).namelist() if '.data/data/share/synesthesia/configs/' in n}
    assert shipped == {p.name for p in (ROOT/'configs').iterdir() if p.suffix in ('.yaml', '.md')}, shipped
