"""Texts of the site's tables: sorting and downloads, in bokmål (nb) and English (en); merged into TEXTS."""

from __future__ import annotations

TABLE_TEXTS: dict[str, dict[str, str]] = {
    "table_download": {"nb": "Last ned tabellen", "en": "Download the table"},
    "table_csv": {"nb": "CSV", "en": "CSV"},
    "table_csv_excel": {"nb": "CSV for Excel (semikolon)", "en": "CSV for Excel (semicolon)"},
    "table_xlsx": {"nb": "Excel (XLSX)", "en": "Excel (XLSX)"},
    "sort_by": {"nb": "Sorter etter {column}", "en": "Sort by {column}"},
    "err_sort": {
        "nb": "Ukjent sorteringskolonne «{value}» i ?sort=; bruk en av: {allowed}",
        "en": "Unknown sort column «{value}» in ?sort=; use one of: {allowed}",
    },
    "err_order": {
        "nb": "Ukjent sorteringsrekkefølge «{value}» i ?order=; bruk asc eller desc",
        "en": "Unknown sort order «{value}» in ?order=; use asc or desc",
    },
    "err_download": {
        "nb": "Ukjent nedlastingsformat «{value}» i ?download=; bruk csv eller xlsx",
        "en": "Unknown download format «{value}» in ?download=; use csv or xlsx",
    },
    "err_sep": {
        "nb": "Ukjent skilletegn «{value}» i ?sep=; bruk comma eller semicolon",
        "en": "Unknown separator «{value}» in ?sep=; use comma or semicolon",
    },
    "err_table": {
        "nb": "Denne siden har ingen tabell «{value}» (?table=); tabellene her: {allowed}",
        "en": "This page has no table «{value}» (?table=); its tables: {allowed}",
    },
    "q_code": {
        "nb": "Spørringen i SPARQL (for deg som skriver SPARQL)",
        "en": "The query in SPARQL (for those who write SPARQL)",
    },
    "q_download_result": {"nb": "Last ned resultatet", "en": "Download the result"},
    "q_download_empty": {
        "nb": "Nedlastingen mangler spørringen: oppgi query= (SPARQL) eller name= (en ferdig spørring)",
        "en": "The download lacks its query: give query= (SPARQL) or name= (a canned query)",
    },
    "q_download_ask": {
        "nb": "En ASK-spørring svarer bare ja eller nei, så det er ingen tabell å laste ned; bruk SELECT for å få en tabell",
        "en": "An ASK query answers only yes or no, so there is no table to download; use SELECT for a table",
    },
    "q_download_graph": {
        "nb": "En CONSTRUCT- eller DESCRIBE-spørring gir en graf, ikke en tabell; last den ned som Turtle eller "
        "N-Triples (lenkene under resultatet), eller bruk SELECT for en tabell",
        "en": "A CONSTRUCT or DESCRIBE query gives a graph, not a table; download it as Turtle or N-Triples "
        "(the links under the result), or use SELECT for a table",
    },
}
