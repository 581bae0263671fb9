"What every benchmark records beside its numbers: the machine, the versions, the commit, and where results go."
import json, subprocess, sys, time
from pathlib import Path

from synesthesia.pipeline import machine, versions  # what the pipeline records too

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'

def commit() -> str:
    "The commit benchmarked, with '+dirty' if the work tree had changes (other than earlier results, which a rerun replaces)."
    git = lambda *a: subprocess.run(['git', *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    sha = git('rev-parse', 'HEAD') or 'unknown'
    return sha + ('+dirty' if git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results') else '')

def provenance() -> dict:
    "This run's command, commit and date: a result built up by several runs keeps them with each part."
    return dict(command=' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]), commit=commit(),
                date=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))

def write_result(name: str, result: dict) -> Path:
    "Print `result` as JSON and write it, with the context that makes it reproducible, to bench/results/NAME.json."
    print(json.dumps(result, indent=2))
    record = dict(result, benchmark=name, **provenance(), machine=machine(), versions=versions())
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS/f'{name}.json'
    path.write_text(json.dumps(record, indent=2) + '\n')
    return path
