"""Where a project's files live: ``ontology/``, ``data/turtle/``, ``shapes/``, ``queries/`` and ``rules/`` under a root."""

from __future__ import annotations

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
            raise InputError(f"project root {str(path)!r} is not a directory")
        missing = [rel for rel in LAYOUT.values() if not (path / rel).is_dir()]
        if missing:
            raise InputError(
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
