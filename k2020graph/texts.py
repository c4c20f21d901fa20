"""Bilingual texts: one lookup for every table of user-facing texts (the server's, the change reports').

A table maps a key to its text per language (``{"nb": …, "en": …}``); templates use ``str.format`` fields.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("nb", "en")


def lookup(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **values: object) -> str:
    """The text ``key`` of ``table`` in ``lang`` (English when that language has none), ``values`` filled in."""
    entry = table[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def both_languages(table: Mapping[str, Mapping[str, str]], key: str, **values: object) -> str:
    """``key`` in English and bokmål, "en / nb": for answers whose reader's language is not known."""
    return f"{lookup(table, key, 'en', **values)} / {lookup(table, key, 'nb', **values)}"
