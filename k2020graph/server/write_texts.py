"""The messages of the guarded writes (:mod:`.writes`), in bokmål and English; merged into ``TEXTS``."""

from __future__ import annotations

WRITE_TEXTS: dict[str, dict[str, str]] = {
    "err_auth_missing": {
        "nb": "Skriving krever et token: send «Authorization: Bearer <token>».",
        "en": "Writing needs a token: send 'Authorization: Bearer <token>'.",
    },
    "err_auth_wrong": {"nb": "Tokenet gir ikke skrivetilgang.", "en": "The token does not allow writes."},
    "err_write_graph_param": {
        "nb": "Oppgi nøyaktig én av ?graph=IRI og ?default.",
        "en": "Give exactly one of ?graph=IRI and ?default.",
    },
    "err_write_graph_unknown": {
        "nb": "Ingen graf {graph}: de navngitte grafene er datafilene, {prefix}<filnavn uten .ttl>.",
        "en": "No graph {graph}: the named graphs are the data files, {prefix}<file name without .ttl>.",
    },
    "err_write_graph_name": {
        "nb": "En ny graf må hete {prefix}<navn> med små bokstaver, sifre og bindestrek (høyst 64 tegn): {graph}",
        "en": "A new graph must be named {prefix}<name> with lower-case letters, digits and hyphens (at most 64): {graph}",
    },
    "err_write_media": {
        "nb": "Ukjent innholdstype {media}: send text/turtle, application/n-triples eller application/ld+json.",
        "en": "Unknown content type {media}: send text/turtle, application/n-triples or application/ld+json.",
    },
    "err_write_parse": {
        "nb": "Innholdet kan ikke leses ({media}): {message}",
        "en": "The body cannot be read ({media}): {message}",
    },
    "err_write_too_big": {
        "nb": "Innholdet er for stort: høyst {limit} byte.",
        "en": "The body is too large: at most {limit} bytes.",
    },
    "err_update_form": {
        "nb": "/update tar bare SPARQL Update (INSERT, DELETE, …); spørringer går til /sparql.",
        "en": "/update takes SPARQL Update only (INSERT, DELETE, …); queries go to /sparql.",
    },
    "err_update_refused": {
        "nb": "{what} er ikke tillatt: en endring kan ikke hente en URL eller lese en fil.",
        "en": "{what} is not allowed: a change may not fetch a URL or read a file.",
    },
    "err_update_missing": {
        "nb": "Send oppdateringen som application/sparql-update eller som skjemafeltet update=.",
        "en": "Send the update as application/sparql-update or as the form field update=.",
    },
    "err_update_syntax": {"nb": "Oppdateringen kan ikke kjøres: {message}", "en": "The update cannot run: {message}"},
    "err_update_named": {
        "nb": "Oppdateringen skriver i en navngitt graf ({graph}); skriv i standardgrafen, eller bruk /store?graph=.",
        "en": "The update writes into a named graph ({graph}); write into the default graph, or use /store?graph=.",
    },
    "err_write_ontology": {
        "nb": "Endringen fjerner tripler fra ontologien ({count}, f.eks. {example}); ontologien endres i git, ikke over HTTP.",
        "en": "The change removes ontology triples ({count}, e.g. {example}); the ontology is changed in git, not over HTTP.",
    },
    "err_write_base": {
        "nb": "Skriving er bare mulig når dataene vises under standardbasen {base}.",
        "en": "Writes are only possible when the data is served under the default base {base}.",
    },
    "err_update_timeout": {
        "nb": "Oppdateringen ble stoppet etter {seconds:g} s (tidsavbrudd); ingenting er endret.",
        "en": "The update was stopped after {seconds:g} s (timeout); nothing was changed.",
    },
    "err_change_stale": {
        "nb": "Dataene er endret siden endringen ble kontrollert (eller kontrollen er for gammel): last den opp på nytt.",
        "en": "The data has changed since the change was checked (or the check is too old): upload it again.",
    },
}
