"""The search box's and the search page's texts, in bokmål (nb) and English (en); merged into TEXTS."""

from __future__ import annotations

SEARCH_TEXTS: dict[str, dict[str, str]] = {
    "search": {"nb": "Søk", "en": "Search"},
    "search_label": {"nb": "Søk i grafen", "en": "Search the graph"},
    "search_placeholder": {"nb": "Søk, f.eks. demens", "en": "Search, e.g. demens"},
    "search_title": {"nb": "Søk", "en": "Search"},
    "search_intro": {
        "nb": "Søk i navn, titler, mål og merknader på bokmål, nynorsk og engelsk. Bøyde former og "
        "skrivefeil finnes også: «kommunen» finner «kommune», «demnes» finner «demens».",
        "en": "Search names, titles, goals and notes in Norwegian (bokmål, nynorsk) and English. Inflected "
        "forms and typos are found too: «kommunen» finds «kommune», «demnes» finds «demens».",
    },
    "search_results": {"nb": "Treff for «{q}»: {n}", "en": "Results for «{q}»: {n}"},
    "search_none": {
        "nb": "Ingen treff for «{q}». Prøv et kortere ord eller et annet ord.",
        "en": "No results for «{q}». Try a shorter or another word.",
    },
    "search_corrected": {
        "nb": "Fant ikke «{word}»; viser treff for {instead}.",
        "en": "«{word}» was not found; showing results for {instead}.",
    },
    "search_some_words": {
        "nb": "Ingen treff inneholder alle ordene; viser treff med noen av dem.",
        "en": "No result holds every word; showing results with some of them.",
    },
    "search_more": {"nb": "{shown} av {total} vises", "en": "{shown} of {total} shown"},
    "search_field_label": {"nb": "navn", "en": "name"},
    "search_field_title": {"nb": "tittel", "en": "title"},
    "search_field_goal": {"nb": "mål", "en": "goal"},
    "search_field_note": {"nb": "merknad", "en": "note"},
    "search_json": {"nb": "Som JSON", "en": "As JSON"},
    "err_search_remote": {
        "nb": "Søk er ikke tilgjengelig når tjeneren viser en ekstern triplestore (--store).",
        "en": "Search is not available while the server serves an external triple store (--store).",
    },
    "err_search_lang": {
        "nb": "Ukjent språk {value!r} i parameteren lang; gyldige verdier: nb, en.",
        "en": "Unknown language {value!r} in the parameter lang; valid values: nb, en.",
    },
    "err_search_limit": {
        "nb": "Parameteren limit må være et heltall fra 1 til {max}, ikke {value!r}.",
        "en": "The parameter limit must be a whole number from 1 to {max}, not {value!r}.",
    },
}
