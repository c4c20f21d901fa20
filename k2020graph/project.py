"""Where a project's files live: ``ontology/``, ``data/turtle/``, ``shapes/``, ``queries/`` and ``rules/`` under a root."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

LAYOUT = {
    "ontology": "ontology",
    "data": "data/turtle",
    "shapes": "shapes",
    "queries": "queries",
}


@dataclass(frozen=True)
class Project:
    """The files of one project root. Create it with :meth:`at`, which checks the layout."""

    root: Path

    @classmethod
    def at(cls, root: str | Path = ".") -> Project:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise InputError(f"prosjektroten {str(path)!r} er ikke en mappe / project root {str(path)!r} is not a directory")
        missing = [rel for rel in LAYOUT.values() if not (path / rel).is_dir()]
        if missing:
            raise InputError(
                f"{path.resolve()} er ikke en k2020graph-prosjektrot: mangler {', '.join(missing)} "
                "(bruk --root MAPPE for mappen med ontology/, data/turtle/, shapes/ og queries/) / "
                f"{path.resolve()} is not a k2020graph project root: missing {', '.join(missing)} "
                "(use --root DIR to point at the directory holding ontology/, data/turtle/, shapes/ and queries/)"
            )
        return cls(path.resolve())

    def _files(self, key: str, pattern: str) -> list[Path]:
        return sorted((self.root / LAYOUT[key]).glob(pattern))

    @property
    def ontology_files(self) -> list[Path]:
        return self._files("ontology", "*.ttl")

    @property
    def data_files(self) -> list[Path]:
        return self._files("data", "*.ttl")

    @property
    def shape_files(self) -> list[Path]:
        return self._files("shapes", "*.ttl")

    @property
    def rule_files(self) -> list[Path]:
        """``rules/*.rq``: the rules of the derived direct layer (optional: a root without rules/ derives nothing)."""
        return sorted((self.root / "rules").glob("*.rq"))

    @property
    def query_files(self) -> list[Path]:
        return self._files("queries", "*.rq")


def is_root(path: Path) -> bool:
    """A project root: a pyproject.toml naming k2020graph, or the data's layout (data/turtle/ and ontology/)."""
    pyproject = path / "pyproject.toml"
    try:
        if pyproject.is_file() and re.search(r'(?m)^name\s*=\s*"k2020graph"', pyproject.read_text(encoding="utf-8")):
            return True
    except (OSError, UnicodeDecodeError):
        pass
    return (path / LAYOUT["data"]).is_dir() and (path / LAYOUT["ontology"]).is_dir()


def find_root(start: Path) -> Path:
    """The nearest project root at or above ``start`` (``--root``'s default); a clear error when there is none."""
    start = start.resolve()
    for path in (start, *start.parents):
        if is_root(path):
            return path
    raise InputError(
        f"fant ingen k2020graph-prosjektrot i {start} eller mappene over (bruk --root MAPPE) / "
        f"found no k2020graph project root in {start} or the directories above it (use --root DIR)"
    )
