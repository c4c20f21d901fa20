"""Every text that the change reports and the diff show, in bokmål (nb) and English (en)."""

from __future__ import annotations

from ..texts import LANGS, lookup

__all__ = ["LANGS", "TEXTS", "text"]

TEXTS: dict[str, dict[str, str]] = {
    # validation of a change
    "change": {"nb": "Endring", "en": "Change"},
    "added": {"nb": "lagt til", "en": "added"},
    "removed": {"nb": "fjernet", "en": "removed"},
    "modified": {"nb": "endret", "en": "modified"},
    "unchanged": {"nb": "uendret", "en": "unchanged"},
    "from": {"nb": "fra", "en": "from"},
    "triples": {"nb": "tripler: {added} lagt til, {removed} fjernet", "en": "triples: {added} added, {removed} removed"},
    "no_triples": {
        "nb": "endringen legger ikke til eller fjerner noen tripler",
        "en": "the change adds and removes no triples",
    },
    "no_files": {"nb": "ingen filer er endret", "en": "no file is changed"},
    "new_head": {"nb": "Nye resultater (endringen fører dem inn)", "en": "New results (the change brings them in)"},
    "no_new": {"nb": "Endringen fører ikke inn noen nye resultater.", "en": "The change brings in no new results."},
    "existing_head": {"nb": "Allerede i dataene før endringen", "en": "Already in the data before the change"},
    "existing_count": {
        "nb": "Allerede i dataene før endringen: {counts} (--all viser dem).",
        "en": "Already in the data before the change: {counts} (--all lists them).",
    },
    "resolved_head": {"nb": "Rettet av endringen", "en": "Resolved by the change"},
    "resolved_count": {"nb": "Rettet av endringen: {counts}.", "en": "Resolved by the change: {counts}."},
    "reworded": {"nb": "ny ordlyd, før: {before}", "en": "reworded, before: {before}"},
    "new_mark": {"nb": "ny", "en": "new"},
    "already_mark": {"nb": "fantes fra før", "en": "already there"},
    "ok": {"nb": "Endringen er gyldig", "en": "The change conforms"},
    "bad": {"nb": "Grafen med endringen er ikke gyldig", "en": "The graph with the change does not conform"},
    "new_counts": {"nb": "nye resultater: {counts}", "en": "new results: {counts}"},
    "Violation": {"nb": "brudd", "en": "violation"},
    "Warning": {"nb": "advarsel", "en": "warning"},
    "Info": {"nb": "info", "en": "info"},
    "shape": {"nb": "form", "en": "shape"},
    "value": {"nb": "verdi", "en": "value"},
    "path": {"nb": "egenskap", "en": "property"},
    # the diff
    "status_added": {"nb": "ny", "en": "new"},
    "status_removed": {"nb": "fjernet", "en": "removed"},
    "status_changed": {"nb": "endret", "en": "changed"},
    "no_changes": {"nb": "Ingen endringer.", "en": "No changes."},
    "diff_summary": {
        "nb": "{resources} ressurser endret; {added} tripler lagt til, {removed} fjernet.",
        "en": "{resources} resources changed; {added} triples added, {removed} removed.",
    },
    "anonymous": {"nb": "anonym node", "en": "anonymous node"},
}


def text(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (English when the language is not known), with ``values`` filled in."""
    return lookup(TEXTS, key, lang, **values)
