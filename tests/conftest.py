import shlex
from configparser import ConfigParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

def read_settings():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']

def requirements(key):
    "The requirement strings of `key` ('requirements' or 'dev_requirements') in settings.ini that apply to this Python."
    from packaging.requirements import Requirement
    return [r for r in shlex.split(read_settings().get(key, '')) if not Requirement(r).marker or Requirement(r).marker.evaluate()]

def console_scripts():
    "(name, 'module:function') for each console script declared in settings.ini."
    return [tuple(s.split('=', 1)) for s in read_settings().get('console_scripts', '').split()]

@pytest.fixture
def root(): return ROOT
