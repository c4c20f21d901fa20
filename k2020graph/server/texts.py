"""Every text that users of the site and the endpoint read, in bokmål (nb) and English (en)."""

from __future__ import annotations

from ..texts import LANGS, both_languages, lookup
from .answer_texts import ANSWER_TEXTS
from .change_texts import CHANGE_TEXTS
from .diagram_texts import DIAGRAM_TEXTS
from .search_texts import SEARCH_TEXTS
from .table_texts import TABLE_TEXTS
from .write_texts import WRITE_TEXTS

__all__ = ["EXTERNAL_LABELS", "LANGS", "TEXTS", "Translator", "both", "text", "translator"]

TEXTS: dict[str, dict[str, str]] = {
    "site_title": {"nb": "Kompetanseløft 2020 – kunnskapsgraf", "en": "Kompetanseløft 2020 – knowledge graph"},
    "site_intro": {
        "nb": "Tiltak, strategier, ansvarlige aktører, tilskudd og videreføringen til Kompetanseløft 2025, "
        "med kilde (dokument og linje) for hvert faktum.",
        "en": "Tiltak (measures), strategies, responsible actors, grants and the continuation into "
        "Kompetanseløft 2025, with a source (document and line) for every fact.",
    },
    "home": {"nb": "Forside", "en": "Home"},
    "nav_tiltak": {"nb": "Tiltak", "en": "Tiltak"},
    "nav_actors": {"nb": "Aktører", "en": "Actors"},
    "nav_schemes": {"nb": "Tilskuddsordninger", "en": "Grant schemes"},
    "nav_strategies": {"nb": "Strategier", "en": "Strategies"},
    "nav_sources": {"nb": "Kilder", "en": "Sources"},
    "skip": {"nb": "Hopp til innholdet", "en": "Skip to content"},
    "types": {"nb": "Typer", "en": "Types"},
    "count": {"nb": "Antall", "en": "Count"},
    "collection": {"nb": "Samling", "en": "Collection"},
    "describe_query": {"nb": "Åpne som SPARQL-spørring", "en": "Open as a SPARQL query"},
    "canned_list": {"nb": "Ferdige spørringer", "en": "Canned queries"},
    "open_in_editor": {"nb": "åpne i spørresiden", "en": "open in the query page"},
    "example_tiltak": {"nb": "Eksempel", "en": "Example"},
    "license": {"nb": "Lisens", "en": "Licence"},
    "modified": {"nb": "Endret", "en": "Modified"},
    "version": {"nb": "Versjon", "en": "Version"},
    "uses": {"nb": "Brukt", "en": "Used"},
    "times": {"nb": "ganger", "en": "times"},
    "params_note": {
        "nb": "Parametrene bindes som RDF-termer til variablene i den valgte spørringen.",
        "en": "The parameters are bound as RDF terms to the variables of the chosen query.",
    },
    "browse": {"nb": "Bla i grafen", "en": "Browse the graph"},
    "query": {"nb": "Spørring", "en": "Query"},
    "query_page": {"nb": "Spør grafen (SPARQL)", "en": "Query the graph (SPARQL)"},
    "ontology": {"nb": "Ontologi", "en": "Ontology"},
    "ontology_intro": {
        "nb": "Klassene og egenskapene som grafen bruker, med navn og definisjon på bokmål og engelsk.",
        "en": "The classes and properties the graph uses, with names and definitions in Norwegian and English.",
    },
    "endpoint": {"nb": "SPARQL-endepunkt", "en": "SPARQL endpoint"},
    "endpoint_note": {
        "nb": "SPARQL 1.1-protokollen (GET og POST). Bare lesing; SERVICE og LOAD avvises; "
        "tidsavbrudd {timeout} s; høyst {cap} rader.",
        "en": "SPARQL 1.1 Protocol (GET and POST). Read-only; SERVICE and LOAD are refused; "
        "timeout {timeout} s; at most {cap} rows.",
    },
    "api": {"nb": "Ferdige spørringer (API)", "en": "Canned queries (API)"},
    "openapi": {"nb": "OpenAPI-beskrivelse", "en": "OpenAPI description"},
    "void": {"nb": "Datasettbeskrivelse (VoID)", "en": "Dataset description (VoID)"},
    "dumps": {"nb": "Hele grafen", "en": "The whole graph"},
    "catalog": {"nb": "Datakatalog (DCAT-AP-NO)", "en": "Data catalogue (DCAT-AP-NO)"},
    "triples": {"nb": "tripler", "en": "triples"},
    "data_version": {"nb": "dataversjon", "en": "data version"},
    "language": {"nb": "Språk", "en": "Language"},
    "collections": {"nb": "Samlinger", "en": "Collections"},
    "classes": {"nb": "Klasser", "en": "Classes"},
    "properties": {"nb": "Egenskaper", "en": "Properties"},
    "instances": {"nb": "forekomster", "en": "instances"},
    "instances_of": {"nb": "Forekomster av", "en": "Instances of"},
    "items": {"nb": "oppføringer", "en": "items"},
    "label": {"nb": "Navn", "en": "Name"},
    "name": {"nb": "Tittel i kilden", "en": "Title in the source"},
    "type": {"nb": "Type", "en": "Type"},
    "iri": {"nb": "IRI", "en": "IRI"},
    "definition": {"nb": "Definisjon", "en": "Definition"},
    "domain": {"nb": "Domene", "en": "Domain"},
    "range": {"nb": "Verdiområde", "en": "Range"},
    "subclass_of": {"nb": "Underklasse av", "en": "Subclass of"},
    "statements": {"nb": "Egenskaper", "en": "Properties"},
    "incoming": {"nb": "Lenker hit", "en": "Links here"},
    "incoming_note": {
        "nb": "Ressurser som peker på denne, gruppert etter egenskap.",
        "en": "Resources that point here, grouped by property.",
    },
    "sources": {"nb": "Kilder", "en": "Sources"},
    "source": {"nb": "Kilde", "en": "Source"},
    "line": {"nb": "linje", "en": "line"},
    "lines": {"nb": "linje", "en": "lines"},
    "other_formats": {"nb": "Andre formater", "en": "Other formats"},
    "more": {"nb": "og {n} til (vis med en SPARQL-spørring)", "en": "and {n} more (list them with a SPARQL query)"},
    "previous": {"nb": "Forrige", "en": "Previous"},
    "next": {"nb": "Neste", "en": "Next"},
    "page_of": {"nb": "Side {page} av {pages}", "en": "Page {page} of {pages}"},
    "no_data": {"nb": "Grafen sier ingenting om denne IRI-en.", "en": "The graph says nothing about this IRI."},
    "not_found": {"nb": "Ikke funnet", "en": "Not found"},
    "error": {"nb": "Feil", "en": "Error"},
    "canned": {"nb": "Ferdig spørring", "en": "Canned query"},
    "choose_canned": {"nb": "— velg en ferdig spørring —", "en": "— choose a canned query —"},
    "load": {"nb": "Hent", "en": "Load"},
    "run": {"nb": "Kjør", "en": "Run"},
    "parameters": {"nb": "Parametre", "en": "Parameters"},
    "results": {"nb": "Resultat", "en": "Results"},
    "rows": {"nb": "rader", "en": "rows"},
    "download_csv": {"nb": "Last ned CSV", "en": "Download CSV"},
    "download_json": {"nb": "SPARQL JSON", "en": "SPARQL JSON"},
    "truncated": {
        "nb": "Resultatet er avkortet ved {cap} rader (radgrensen).",
        "en": "The result was cut at {cap} rows (the row cap).",
    },
    "yes": {"nb": "ja", "en": "yes"},
    "no": {"nb": "nei", "en": "no"},
    "editor_help": {
        "nb": "Skriv SPARQL, eller velg en ferdig spørring. Prefiksene under er kjent i grafen.",
        "en": "Write SPARQL, or choose a canned query. The prefixes below are those the graph uses.",
    },
    # The query editor (issue 14): errors in plain words, the editor's own labels.
    "q_err_prefix": {
        "nb": "Ukjent prefiks «{prefix}:» på linje {line}, kolonne {column}.",
        "en": "Unknown prefix «{prefix}:» at line {line}, column {column}.",
    },
    "q_prefix_known": {
        "nb": "Legg til denne linjen øverst i spørringen: {declaration}",
        "en": "Add this line at the top of the query: {declaration}",
    },
    "q_prefix_unknown": {
        "nb": "Grafen bruker disse prefiksene: {known}. Et annet må deklareres med en PREFIX-linje øverst.",
        "en": "The graph uses these prefixes: {known}. Any other must be declared by a PREFIX line at the top.",
    },
    "q_err_iri": {
        "nb": "Ugyldig IRI på linje {line}, kolonne {column}: en IRI skrives mellom < og >, uten mellomrom.",
        "en": "Invalid IRI at line {line}, column {column}: an IRI is written between < and >, without spaces.",
    },
    "q_err_end": {
        "nb": "Spørringen slutter før den er hel (linje {line}, kolonne {column}), etter «{near}»: mangler det en «}}», en «)» "
        "eller et anførselstegn, eller er et ord feilstavet?",
        "en": "The query ends before it is complete (line {line}, column {column}), after «{near}»: is a «}}», a «)» or a "
        "quotation mark missing, or a word misspelt?",
    },
    "q_err_near": {
        "nb": "Spørringen kan ikke leses på linje {line}, kolonne {column}, ved «{near}».",
        "en": "The query cannot be read at line {line}, column {column}, at «{near}».",
    },
    "q_err_expected": {"nb": "Der ventet tjeneren en av: {tokens}", "en": "The server expected one of: {tokens}"},
    "q_plain_editor": {"nb": "Enkel editor (et tekstfelt, uten skript)", "en": "Plain editor (a text field, no script)"},
    "q_full_editor": {"nb": "Full editor (YASGUI)", "en": "Full editor (YASGUI)"},
    "q_allowed": {"nb": "Gyldige verdier", "en": "Valid values"},
    "version_note": {"nb": "Data og ontologi", "en": "Data and ontology"},
    "all_ids": {"nb": "Alle samlinger under /id/", "en": "All collections under /id/"},
    # sections of resource pages
    "sec_k2025": {"nb": "Videreført som K2025-tiltak", "en": "Continued as K2025 tiltak"},
    "sec_k2020": {"nb": "Videreføring av K2020-tiltak", "en": "Continues K2020 tiltak"},
    "sec_records": {"nb": "Hva kildene sier (oppføringer)", "en": "What the sources say (records)"},
    "sec_flows": {"nb": "Tilskuddsstrømmer", "en": "Funding flows"},
    "sec_figures": {"nb": "Tall fra kildene", "en": "Figures from the sources"},
    "sec_responsible": {"nb": "Ansvarlig for tiltak", "en": "Responsible for tiltak"},
    "sec_grants_given": {"nb": "Gir tilskudd", "en": "Grants given"},
    "sec_grants_received": {"nb": "Mottar tilskudd", "en": "Grants received"},
    "sec_units": {"nb": "Enheter", "en": "Units"},
    "sec_used_by": {"nb": "Brukes av tiltak", "en": "Used by tiltak"},
    "sec_tiltak": {"nb": "Tiltak", "en": "Tiltak"},
    "sec_strategies": {"nb": "Strategier", "en": "Strategies"},
    "sec_overall_assessment": {"nb": "Samlet vurdering", "en": "Overall assessment"},
    # result columns
    "col_tiltak": {"nb": "Tiltak", "en": "Tiltak"},
    "col_position": {"nb": "Plass", "en": "Position"},
    "col_source": {"nb": "Kilde", "en": "Source"},
    "col_record": {"nb": "Oppføring", "en": "Record"},
    "col_title": {"nb": "Tittel", "en": "Title"},
    "col_flow": {"nb": "Strøm", "en": "Flow"},
    "col_grantor": {"nb": "Giver", "en": "Grantor"},
    "col_recipient": {"nb": "Mottaker", "en": "Recipient"},
    "col_amount": {"nb": "Beløp", "en": "Amount"},
    "col_year": {"nb": "År", "en": "Year"},
    "col_figure": {"nb": "Tall", "en": "Figure"},
    "col_quantity": {"nb": "Størrelse", "en": "Quantity"},
    "col_value": {"nb": "Verdi", "en": "Value"},
    "col_unit": {"nb": "Enhet", "en": "Unit"},
    "col_quote": {"nb": "Sitat", "en": "Quote"},
    "col_assessment": {"nb": "Vurdering", "en": "Assessment"},
    "col_strategy": {"nb": "Strategi", "en": "Strategy"},
    "col_name": {"nb": "Navn", "en": "Name"},
    # errors (also used by the endpoint and the API, where they are given in both languages)
    "err_timeout": {
        "nb": "Spørringen ble stoppet etter {seconds:g} s (tidsavbrudd). Avgrens den, eller bruk LIMIT.",
        "en": "The query was stopped after {seconds:g} s (timeout). Narrow it down, or use LIMIT.",
    },
    "err_busy": {
        "nb": "Alle arbeidsprosessene var opptatt i {seconds:g} s. Prøv igjen.",
        "en": "Every worker process was busy for {seconds:g} s. Try again.",
    },
    "err_client_parallel": {
        "nb": "Du har allerede {limit} spørringer i gang (grensen per klient, kjent på adresse og User-Agent). "
        "Vent til en av dem er ferdig, og prøv igjen etter Retry-After sekunder.",
        "en": "You already have {limit} queries in flight (the limit per client, told apart by address and "
        "User-Agent). Wait for one of them to finish, and try again after Retry-After seconds.",
    },
    "err_client_budget": {
        "nb": "Du har brukt opp spørretiden din: {limit:g} sekunder per minutt per klient (kjent på adresse og "
        "User-Agent). Prøv igjen etter Retry-After sekunder, eller gjør spørringene billigere.",
        "en": "You have used up your query time: {limit:g} seconds per minute per client (told apart by address "
        "and User-Agent). Try again after Retry-After seconds, or make the queries cheaper.",
    },
    "err_lost": {
        "nb": "Spørringen brukte mer minne enn tillatt og ble stoppet.",
        "en": "The query used more memory than allowed and was stopped.",
    },
    "err_nested": {
        "nb": "Spørringen er nestet for dypt: mer enn {limit} nivåer med klammer eller parenteser "
        "(linje {line}, kolonne {column}). Forenkle den.",
        "en": "The query is nested too deeply: more than {limit} levels of braces or parentheses "
        "(line {line}, column {column}). Simplify it.",
    },
    "err_stack": {
        "nb": "Spørringen er nestet for dypt eller er for lang for spørremotoren, som gikk tom for stakkminne. Forenkle den.",
        "en": "The query is nested too deeply or too long for the query engine, which ran out of stack. Simplify it.",
    },
    "err_killed": {
        "nb": "Arbeidsprosessen som kjørte spørringen, ble stoppet utenfra flere ganger. Prøv igjen.",
        "en": "The worker process running the query was stopped from outside the server, more than once. Try again.",
    },
    "err_crashed": {
        "nb": "Arbeidsprosessen som kjørte spørringen, stoppet uventet. Prøv igjen.",
        "en": "The worker process running the query stopped unexpectedly. Try again.",
    },
    "err_unavailable": {
        "nb": "Ingen arbeidsprosess kunne startes for spørringen. Prøv igjen.",
        "en": "No worker process could be started for the query. Try again.",
    },
    "err_public_url_absolute": {
        "nb": "--public-url {value!r}: må være en absolutt http- eller https-URL med vertsnavn, f.eks. https://eksempel.no/",
        "en": "--public-url {value!r}: must be an absolute http or https URL with a host, e.g. https://example.org/",
    },
    "err_public_url_port": {
        "nb": "--public-url {value!r}: porten må være et tall fra 0 til 65535",
        "en": "--public-url {value!r}: the port must be a number from 0 to 65535",
    },
    "err_public_url_chars": {
        "nb": "--public-url {value!r}: inneholder mellomrom, kontrolltegn eller tegn som ikke hører hjemme i en URL",
        "en": "--public-url {value!r}: holds spaces, control characters or characters that do not belong in a URL",
    },
    "err_public_url_extra": {
        "nb": "--public-url {value!r}: bare skjema, vert, port og sti; ikke brukernavn, spørredel (?) eller fragment (#)",
        "en": "--public-url {value!r}: only scheme, host, port and path; no user name, query (?) or fragment (#)",
    },
    "err_update": {
        "nb": "Endepunktet er skrivebeskyttet: oppdateringer (INSERT, DELETE, LOAD, CLEAR …) tas ikke imot.",
        "en": "The endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR …) are not accepted.",
    },
    "err_fetch": {
        "nb": (
            "Avvist: {reason} ville fått tjeneren til å hente en URL. "
            "Tjeneren henter aldri URL-er og leser aldri filer på grunn av en spørring."
        ),
        "en": (
            "Refused: {reason} would make the server fetch a URL. "
            "The server never fetches a URL or reads a file because of a query."
        ),
    },
    "err_sandbox": {
        "nb": "Avvist: spørringen prøvde å åpne en fil eller en forbindelse, og det gjør tjeneren aldri.",
        "en": "Refused: the query tried to open a file or a connection, which the server never does.",
    },
    "err_syntax": {
        "nb": "SPARQL-syntaksfeil på linje {line}, kolonne {column}: {message}",
        "en": "SPARQL syntax error at line {line}, column {column}: {message}",
    },
    "err_query": {"nb": "Spørringen feilet: {message}", "en": "The query failed: {message}"},
    "err_too_long": {
        "nb": "Spørringen er for lang: {size} tegn (høyst {limit}).",
        "en": "The query is too long: {size} characters (at most {limit}).",
    },
    "err_body": {
        "nb": "Forespørselen er for stor: mer enn {limit} byte.",
        "en": "The request body is too large: more than {limit} bytes.",
    },
    "err_no_query": {"nb": "Parameteren «query» mangler.", "en": "The parameter 'query' is missing."},
    "err_two_queries": {"nb": "Gi parameteren «query» bare én gang.", "en": "Give the parameter 'query' only once."},
    "err_media": {
        "nb": "Ukjent innholdstype {ctype}: bruk application/x-www-form-urlencoded eller application/sparql-query.",
        "en": "Unsupported content type {ctype}: use application/x-www-form-urlencoded or application/sparql-query.",
    },
    "err_406": {
        "nb": "Ingen av formatene som ble bedt om passer. Tilgjengelig: {formats}.",
        "en": "None of the requested formats fits. Available: {formats}.",
    },
    "err_graph_iri": {"nb": "{param} er ikke en absolutt IRI: {value}", "en": "{param} is not an absolute IRI: {value}"},
    "err_encoding": {"nb": "Forespørselen er ikke gyldig UTF-8.", "en": "The request is not valid UTF-8."},
    "err_internal": {"nb": "Intern feil i tjeneren.", "en": "Internal server error."},
    "err_unknown_query": {"nb": "Ingen ferdig spørring heter {name}.", "en": "No canned query is named {name}."},
    "err_header_timeout": {
        "nb": "Forespørselens linje og hoder kom ikke fram innen {seconds:g} s; forbindelsen lukkes.",
        "en": "The request line and headers did not arrive within {seconds:g} s; the connection is closed.",
    },
    "err_body_timeout": {
        "nb": "Forespørselens innhold kom ikke fram innen {seconds:g} s; forbindelsen lukkes.",
        "en": "The request body did not arrive within {seconds:g} s; the connection is closed.",
    },
    "err_head_too_large": {
        "nb": "Forespørselens linje og hoder er større enn {limit} byte. Send lange spørringer med POST.",
        "en": "The request line and headers are larger than {limit} bytes. Send long queries by POST.",
    },
    "err_connections_client": {
        "nb": "For mange åpne forbindelser fra din adresse (høyst {limit}). Lukk noen og prøv igjen.",
        "en": "Too many open connections from your address (at most {limit}). Close some and try again.",
    },
    "err_connections_total": {
        "nb": "Tjeneren har for mange åpne forbindelser (høyst {limit}). Prøv igjen om litt.",
        "en": "The server has too many open connections (at most {limit}). Try again shortly.",
    },
}

TEXTS.update(WRITE_TEXTS)  # the guarded writes' messages live with them (:mod:`.write_texts`)
TEXTS.update(SEARCH_TEXTS)  # and the search's (:mod:`.search_texts`)
TEXTS.update(ANSWER_TEXTS)  # fact sheets and answer tables (:mod:`.answer_texts`)
TEXTS.update(CHANGE_TEXTS)  # the change page's and the change history's (:mod:`.change_texts`)
TEXTS.update(DIAGRAM_TEXTS)  # and the pictures' (:mod:`.diagram_texts`)
TEXTS.update(TABLE_TEXTS)  # sorting and downloading tables (:mod:`.table_texts`)


def text(key: str, lang: str, **values: object) -> str:
    return lookup(TEXTS, key, lang, **values)


def both(key: str, **values: object) -> str:
    """A message in both languages, for the endpoint and the API (which cannot know the reader's)."""
    return both_languages(TEXTS, key, **values)


class Translator:
    """For templates: ``t.key`` (or ``t["key"]``) is the text in the page's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        if key.startswith("__"):
            raise AttributeError(key)
        return text(key, self.lang) if key in TEXTS else key

    __getitem__ = __getattr__


def translator(lang: str) -> Translator:
    return Translator(lang)


#: Names of properties that the ontology does not declare (it reuses them), for the pages.
EXTERNAL_LABELS: dict[str, dict[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": {"nb": "type", "en": "type"},
    "http://www.w3.org/2000/01/rdf-schema#label": {"nb": "etikett", "en": "label"},
    "http://www.w3.org/2000/01/rdf-schema#comment": {"nb": "kommentar", "en": "comment"},
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": {"nb": "se også", "en": "see also"},
    "http://www.w3.org/2000/01/rdf-schema#subClassOf": {"nb": "underklasse av", "en": "subclass of"},
    "http://www.w3.org/2000/01/rdf-schema#domain": {"nb": "domene", "en": "domain"},
    "http://www.w3.org/2000/01/rdf-schema#range": {"nb": "verdiområde", "en": "range"},
    "http://www.w3.org/2004/02/skos/core#prefLabel": {"nb": "foretrukket navn", "en": "preferred label"},
    "http://www.w3.org/2004/02/skos/core#altLabel": {"nb": "alternativt navn", "en": "alternative label"},
    "http://www.w3.org/2004/02/skos/core#notation": {"nb": "nummer/kode", "en": "notation"},
    "http://www.w3.org/2004/02/skos/core#definition": {"nb": "definisjon", "en": "definition"},
    "http://www.w3.org/2004/02/skos/core#note": {"nb": "merknad", "en": "note"},
    "http://www.w3.org/2004/02/skos/core#inScheme": {"nb": "i begrepssystem", "en": "in scheme"},
    "http://www.w3.org/2004/02/skos/core#broader": {"nb": "overordnet", "en": "broader"},
    "http://purl.org/dc/terms/source": {"nb": "kilde", "en": "source"},
    "http://purl.org/dc/terms/title": {"nb": "tittel", "en": "title"},
    "http://purl.org/dc/terms/description": {"nb": "beskrivelse", "en": "description"},
    "http://purl.org/dc/terms/isPartOf": {"nb": "del av", "en": "part of"},
    "http://purl.org/dc/terms/issued": {"nb": "utgitt", "en": "issued"},
    "http://purl.org/dc/terms/modified": {"nb": "sist endret", "en": "last changed"},
    "http://purl.org/dc/terms/replaces": {"nb": "erstatter", "en": "replaces"},
    "http://purl.org/dc/terms/isReplacedBy": {"nb": "erstattes av", "en": "is replaced by"},
    "http://purl.org/dc/terms/date": {"nb": "dato", "en": "date"},
    "http://xmlns.com/foaf/0.1/page": {"nb": "nettside", "en": "web page"},
    "http://www.w3.org/ns/prov#wasDerivedFrom": {"nb": "avledet fra", "en": "derived from"},
    "http://www.w3.org/ns/org#unitOf": {"nb": "enhet i", "en": "unit of"},
    "http://www.w3.org/ns/org#Organization": {"nb": "organisasjon", "en": "organisation"},
    "http://www.w3.org/ns/org#FormalOrganization": {"nb": "organisasjon", "en": "organisation"},
    "http://www.w3.org/ns/org#OrganizationalUnit": {"nb": "organisasjonsenhet", "en": "organisational unit"},
    "http://www.w3.org/ns/org#classification": {"nb": "aktørtype", "en": "kind of actor"},
    "http://www.w3.org/ns/org#originalOrganization": {"nb": "opprinnelig organisasjon", "en": "original organisation"},
    "http://www.w3.org/ns/org#resultingOrganization": {"nb": "resulterende organisasjon", "en": "resulting organisation"},
}
