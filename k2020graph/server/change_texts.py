"""The texts of the change page (:mod:`.changepage`) and of the change history on resource pages
(:mod:`.history`), in bokmål and English; merged into ``TEXTS``."""

from __future__ import annotations

CHANGE_TEXTS: dict[str, dict[str, str]] = {
    "change_page": {"nb": "Endre dataene", "en": "Change the data"},
    "change_intro": {
        "nb": "Last opp en Turtle-fil eller en redigert tiltakstabell (CSV eller XLSX, slik tabellen eksporteres). "
        "Du ser hva som endres og om dataene fortsatt er gyldige før noe lagres.",
        "en": "Upload a Turtle file or an edited tiltak table (CSV or XLSX, as the table is exported). "
        "You see what changes and whether the data still conforms before anything is saved.",
    },
    "change_file_note": {
        "nb": "En Turtle-fil med samme navn som en datafil erstatter den; en annen legger til utsagnene sine. "
        "En tabell blir rettelser med egen kilde.",
        "en": "A Turtle file named like a data file replaces it; any other adds its statements. "
        "A table becomes corrections with a source of their own.",
    },
    "change_file": {"nb": "Fil", "en": "File"},
    "change_token": {"nb": "Skrivetoken", "en": "Write token"},
    "change_author": {"nb": "Ditt navn (for rettelser fra en tabell)", "en": "Your name (for corrections from a table)"},
    "change_check": {"nb": "Kontroller endringen", "en": "Check the change"},
    "change_apply": {"nb": "Lagre endringen", "en": "Apply the change"},
    "change_diff": {"nb": "Hva som endres", "en": "What changes"},
    "change_report": {"nb": "Validering", "en": "Validation"},
    "change_ok": {
        "nb": "Endringen er gyldig: den fører ikke inn noe brudd.",
        "en": "The change conforms: it brings in no violation.",
    },
    "change_bad": {
        "nb": "Endringen fører inn brudd på reglene. Ingenting kan lagres før de er rettet.",
        "en": "The change brings in violations of the rules. Nothing can be applied until they are fixed.",
    },
    "change_no_change": {
        "nb": "Filen sier det dataene sier allerede: ingenting å endre.",
        "en": "The file says what the data says already: nothing to change.",
    },
    "change_counts": {
        "nb": "Nye resultater: {new}. Fantes fra før: {existing}. Rettet av endringen: {resolved}.",
        "en": "New results: {new}. Already there: {existing}. Resolved by the change: {resolved}.",
    },
    "change_triples": {
        "nb": "{added} utsagn lagt til, {removed} fjernet.",
        "en": "{added} statements added, {removed} removed.",
    },
    "change_edits": {"nb": "Endrede celler", "en": "Edited cells"},
    "change_problems": {
        "nb": "Disse cellene kan ikke overføres; ingenting kan lagres før de er rettet:",
        "en": "These cells cannot be mapped; nothing can be applied until they are fixed:",
    },
    "change_applied": {"nb": "Endringen er lagret.", "en": "The change is applied."},
    "change_see": {"nb": "Se de endrede ressursene:", "en": "See the changed resources:"},
    "change_another": {"nb": "Gjør en ny endring", "en": "Make another change"},
    "change_status_added": {"nb": "ny", "en": "new"},
    "change_status_removed": {"nb": "fjernet", "en": "removed"},
    "change_status_changed": {"nb": "endret", "en": "changed"},
    "change_old_new": {"nb": "før → etter", "en": "before → after"},
    "change_token_note": {
        "nb": "Tokenet sendes bare med forespørselen, aldri som informasjonskapsel, og vises aldri på siden.",
        "en": "The token is sent with the request only, never as a cookie, and is never shown on a page.",
    },
    "err_change_token_missing": {
        "nb": "Oppgi skrivetokenet for å kontrollere eller lagre en endring.",
        "en": "Give the write token to check or apply a change.",
    },
    "err_change_no_file": {"nb": "Velg en fil å laste opp.", "en": "Choose a file to upload."},
    "err_change_suffix": {
        "nb": "{name}: filen må være en av {suffixes}.",
        "en": "{name}: the file must be one of {suffixes}.",
    },
    "err_change_form": {"nb": "Skjemaet kan ikke leses: {message}", "en": "The form cannot be read: {message}"},
    "err_change_table": {"nb": "Tabellen kan ikke leses: {message}", "en": "The table cannot be read: {message}"},
    "change_Violation": {"nb": "brudd", "en": "violations"},
    "change_Warning": {"nb": "advarsler", "en": "warnings"},
    "change_Info": {"nb": "info", "en": "info"},
    "change_sev_Violation": {"nb": "brudd", "en": "violation"},
    "change_sev_Warning": {"nb": "advarsel", "en": "warning"},
    "change_sev_Info": {"nb": "info", "en": "info"},
    "change_severity": {"nb": "Alvorlighet", "en": "Severity"},
    "change_focus": {"nb": "Gjelder", "en": "Concerns"},
    "change_message": {"nb": "Melding", "en": "Message"},
    "change_property": {"nb": "Egenskap", "en": "Property"},
    # the change history on a resource page
    "history": {"nb": "Endringshistorikk", "en": "Change history"},
    "history_time": {"nb": "Tid (UTC)", "en": "Time (UTC)"},
    "history_who": {"nb": "Av", "en": "By"},
    "history_what": {"nb": "Hva som endret seg", "en": "What changed"},
    "history_more": {"nb": "… og {n} utsagn til", "en": "… and {n} more statements"},
    "history_older": {"nb": "{n} eldre endringer er ikke vist.", "en": "{n} older changes are not shown."},
}
