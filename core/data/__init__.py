"""Word lists and language data for every package, in one folder: read by file name, once."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent


def path(name: str) -> Path:
    """The data file called `name` (e.g. "synonyms.yaml")."""
    return DATA_DIR / name


@cache
def load(name: str) -> Any:
    """The parsed YAML file called `name` (cached per process; treat it as read-only)."""
    return yaml.safe_load(path(name).read_text(encoding="utf-8"))
