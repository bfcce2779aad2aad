"""Where things are: the one place that knows the project's paths and settings.

Paths are computed when asked for, never at import time. The project root is the folder that holds
``pyproject.toml`` above this package (an editable install from a clone), or ``$TRYGGHET_ROOT`` when set
(an installed package used on another folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from trygghet.data.errors import ParameterError

__all__ = [
    "Paths",
    "paths",
    "project_root",
    "resource_path",
    "load_yaml",
    "CRS_SWEREF",
    "CRS_WGS84",
    "MUNICIPALITY_CODE",
    "MUNICIPALITY_NAME",
    "SUPPRESS_BELOW",
    "SURVEY_MIN_RESPONDENTS",
]

CRS_SWEREF = "EPSG:3006"  # SWEREF 99 TM: every distance, area and grid is computed in it
CRS_WGS84 = "EPSG:4326"
MUNICIPALITY_CODE = "2580"  # Luleå
MUNICIPALITY_NAME = "Luleå"  # the default when the areas file names no municipality
SUPPRESS_BELOW = 5  # published counts of 1..SUPPRESS_BELOW-1 are shown as "<5"
SURVEY_MIN_RESPONDENTS = 30  # survey cells with fewer respondents are not shown


@dataclass(frozen=True)
class Paths:
    """The project's folders. ``raw`` holds the extracts, ``store`` the ingested typed store."""

    root: Path
    data: Path
    raw: Path
    store: Path
    reference: Path
    notebooks: Path
    reports: Path
    config: Path
    docs: Path


def project_root() -> Path:
    """The project's root folder: ``$TRYGGHET_ROOT``, else the clone this package lives in, else cwd."""
    env = os.environ.get("TRYGGHET_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "trygghet").is_dir():
            return parent
    return Path.cwd().resolve()


def paths(root: Path | str | None = None) -> Paths:
    """All project paths below ``root`` (default :func:`project_root`)."""
    base = Path(root).resolve() if root is not None else project_root()
    data = base / "data"
    return Paths(
        root=base,
        data=data,
        raw=data / "raw",
        store=data / "store",
        reference=data / "reference",
        notebooks=base / "notebooks",
        reports=base / "reports",
        config=base / "config",
        docs=base / "docs",
    )


def resource_path(name: str) -> Path:
    """A file shipped inside the package (``lib/trygghet/resources/NAME``): code lists, definitions."""
    path = Path(str(resources.files("trygghet") / "resources" / name))
    if not path.exists():
        raise FileNotFoundError(f"trygghet resource '{name}' is missing from {path.parent}; reinstall the package")
    return path


def load_yaml(path: str | Path, missing: str) -> dict:
    """A project configuration file (run plan, mail settings) as a dict; a ``ParameterError`` says
    which file is missing (with ``missing``, the fix) or is not valid YAML."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"{p}: {missing}")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{p}: not valid YAML ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(doc, dict):
        raise ParameterError(f"{p}: expected keys and values at the top level, found a {type(doc).__name__}; "
                             "compare with the file in the repository")
    return doc
