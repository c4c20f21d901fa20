"""The pictures' texts (lineage, funding flows, charts), in bokmål (nb) and English (en); merged into TEXTS."""

from __future__ import annotations

DIAGRAM_TEXTS: dict[str, dict[str, str]] = {
    "nav_lineage": {"nb": "K2020 → K2025", "en": "K2020 → K2025"},
    "nav_funding": {"nb": "Tilskuddsstrømmer", "en": "Funding flows"},
    "dia_lineage_title": {
        "nb": "Fra K2020 til K2025: hvilke tiltak videreføres som hva",
        "en": "From K2020 to K2025: which tiltak continue as what",
    },
    "dia_lineage_intro": {
        "nb": "Til venstre K2020-tiltakene som videreføres, etter strategi; til høyre K2025-numrene de videreføres som, "
        "etter strategisk område. Et bånd er én videreføring. Der flere K2020-tiltak går inn i ett K2025-nummer "
        "(sammenslåing, ←) eller ett tiltak går inn i flere (deling, →), er det markert. Trykk på et tiltak for å se det.",
        "en": "On the left the K2020 tiltak that continue, by strategy; on the right the K2025 numbers they continue as, "
        "by strategic area. A band is one continuation. Where several K2020 tiltak flow into one K2025 number (a merge, ←) "
        "or one tiltak into several (a split, →), it is marked. Select a tiltak to see it.",
    },
    "dia_lineage_desc": {
        "nb": "{tiltak} K2020-tiltak videreføres som {k2025} K2025-numre gjennom {links} videreføringer.",
        "en": "{tiltak} K2020 tiltak continue as {k2025} K2025 numbers through {links} continuations.",
    },
    "dia_lineage_summary": {
        "nb": "{tiltak} K2020-tiltak → {k2025} K2025-numre, {links} videreføringer; {merges} sammenslåinger, {splits} delinger.",
        "en": "{tiltak} K2020 tiltak → {k2025} K2025 numbers, {links} continuations; {merges} merges, {splits} splits.",
    },
    "dia_lineage_heading": {"nb": "Videreføringene", "en": "The continuations"},
    "dia_funding_heading": {"nb": "Strømmene", "en": "The flows"},
    "dia_merge_badge": {"nb": "← {n} tiltak", "en": "← {n} tiltak"},
    "dia_split_badge": {"nb": "→ {n} numre", "en": "→ {n} numbers"},
    "dia_no_strategy": {"nb": "Uten strategi", "en": "No strategy"},
    "dia_col_k2020": {"nb": "K2020-tiltak", "en": "K2020 tiltak"},
    "dia_col_strategy": {"nb": "Navn", "en": "Name"},
    "dia_col_k2025": {"nb": "K2025-nummer", "en": "K2025 number"},
    "dia_col_area": {"nb": "Strategisk område", "en": "Strategic area"},
    "dia_col_note": {"nb": "Merknad", "en": "Note"},
    "dia_note_split": {"nb": "deles på {n} numre", "en": "split into {n} numbers"},
    "dia_note_merge": {"nb": "{n} tiltak slås sammen her", "en": "{n} tiltak merge here"},
    "dia_note_twin": {"nb": "samme tiltak som {other}", "en": "the same tiltak as {other}"},
    "dia_not_continued": {"nb": "Ikke videreført ({n})", "en": "Not continued ({n})"},
    "dia_not_stated": {"nb": "Ikke oppgitt i kilden ({n})", "en": "Not stated in the source ({n})"},
    "dia_no_k2025": {"nb": "Uten K2025-nummer i kildene ({n})", "en": "No K2025 number in the sources ({n})"},
    "dia_others": {"nb": "K2020-tiltak som ikke er med i bildet", "en": "K2020 tiltak not in the picture"},
    "dia_table": {"nb": "Det samme som tabell", "en": "The same as a table"},
    "dia_funding_title": {
        "nb": "Tilskuddsstrømmer: fra tilskuddsgiver til mottaker",
        "en": "Funding flows: from grantor to recipient",
    },
    "dia_funding_scheme_title": {"nb": "Tilskuddsstrømmer gjennom {scheme}", "en": "Funding flows through {scheme}"},
    "dia_funding_intro": {
        "nb": "Hvem gir tilskudd til hvem, slik kildene sier det. Båndets bredde er antall tilskuddsstrømmer, "
        "ikke beløp: kildene oppgir beløp bare for noen få. Ordningen står i tabellen: den som strømmen selv nevner, "
        "ellers tiltakets tilskuddsordning.",
        "en": "Who gives grants to whom, as the sources say. A band's width is the number of funding flows, "
        "not an amount: the sources give amounts for only a few. The table names the scheme: the one the flow "
        "names itself, else the tiltak's grant scheme.",
    },
    "dia_funding_desc": {
        "nb": "{flows} tilskuddsstrømmer fra {grantors} tilskuddsgivere til {recipients} mottakere; beløp kjent for {amounts}.",
        "en": "{flows} funding flows from {grantors} grantors to {recipients} recipients; amount known for {amounts}.",
    },
    "dia_funding_note": {
        "nb": "Bredden er antall strømmer. Beløp er oppgitt for {amounts} av {flows} strømmer; resten er ukjent, ikke null.",
        "en": "Width is the number of flows. An amount is given for {amounts} of {flows} flows; the rest are unknown, not zero.",
    },
    "dia_band_flows": {"nb": "{grantor} → {recipient}: {n} strømmer", "en": "{grantor} → {recipient}: {n} flows"},
    "dia_grantor": {"nb": "Tilskuddsgiver", "en": "Grantor"},
    "dia_recipient": {"nb": "Mottaker", "en": "Recipient"},
    "dia_col_flows": {"nb": "Strømmer", "en": "Flows"},
    "dia_col_schemes": {"nb": "Ordning", "en": "Scheme"},
    "dia_col_tiltak": {"nb": "Tiltak", "en": "Tiltak"},
    "dia_col_amount": {"nb": "Beløp", "en": "Amount"},
    "dia_amount_unknown": {"nb": "ikke oppgitt", "en": "not given"},
    "dia_by_status": {"nb": "Tiltakene etter status", "en": "The tiltak by status"},
    "dia_by_continuation": {"nb": "Tiltakene etter videreføring i K2025", "en": "The tiltak by continuation into K2025"},
    "dia_actor_continuation": {
        "nb": "Tiltakene med dette ansvaret, etter videreføring i K2025",
        "en": "The tiltak with this responsibility, by continuation into K2025",
    },
    "dia_count_desc": {"nb": "{n} tiltak i alt, talt per kategori.", "en": "{n} tiltak in all, counted per category."},
    "dia_col_count": {"nb": "Antall", "en": "Count"},
    "dia_col_status": {"nb": "Status", "en": "Status"},
    "dia_col_continued": {"nb": "Videreført", "en": "Continued"},
    "dia_not_given": {"nb": "ikke oppgitt", "en": "not given"},
    "dia_charts": {"nb": "I bilder", "en": "In pictures"},
    "dia_col_row": {"nb": "Rad", "en": "Row"},
    "dia_dataset_chart": {"nb": "{name} som stolpediagram", "en": "{name} as a bar chart"},
    "dia_dataset_lines": {"nb": "{name}: en linje per rad over årene", "en": "{name}: a line per row over the years"},
    "dia_dataset_desc": {
        "nb": "{rows} rader og {columns} kolonner ({units}); {totals} totalrader er bare i tabellen.",
        "en": "{rows} rows and {columns} columns ({units}); {totals} total rows are in the table only.",
    },
    "dia_dataset_note": {
        "nb": "Tabellen er som i kilden, med kildens egne totaler ({totals}); bildet viser radene uten totalene.",
        "en": "The table is as in the source, with its own totals ({totals}); the picture shows the rows without the totals.",
    },
    "dia_home": {
        "nb": "Bilder: hvordan K2020-tiltakene videreføres i K2025, og hvem som gir tilskudd til hvem.",
        "en": "Pictures: how the K2020 tiltak continue into K2025, and who gives grants to whom.",
    },
}
