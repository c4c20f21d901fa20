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
}
