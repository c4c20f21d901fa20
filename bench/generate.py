"""Synthetic k2020graph project roots, shaped like the real graph, at any size (~10k, ~100k, ~1M triples).

The graph follows docs/modelling.md: plans and strategies; K2020 tiltak with one measure each (cross-listed
pairs share one); a record per source row (seed 001, the final table, in nb; seed 000, the 2017 table, in nn)
with the same properties as data/turtle; K2020 -> K2025 continuations and the K2025 numbers they point at;
organisations, Helsedirektoratet's divisions and actor groups; grant schemes; funding flows (seed 001 rows
and seed 002 text); dated figures; and a source location for every fact. Every canned query in queries/
therefore has something to find: the first tiltak is always PH's and always continued into K2025.

Output is a project root (ontology/, queries/ and shapes/ copied from this repository, and
data/turtle/synthetic.ttl written as N-Triples, which is also valid Turtle), so that every tool that takes
``--root`` can load it. The same ``--triples`` and ``--seed`` always give the same bytes.

    .venv/bin/python bench/generate.py --triples 100k --out bench/data/synthetic-100k
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from k2020graph.namespaces import PREFIXES

REPO = Path(__file__).resolve().parent.parent
#: Bump when the shape of the generated graph changes, so that cached roots are rebuilt.
GENERATOR_VERSION = 4
STAMP = "GENERATED.json"
DATA_FILE = "data/turtle/synthetic.ttl"

NS = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
NS["org"] = "http://www.w3.org/ns/org#"

XSD_GYEAR = ox.NamedNode(NS["xsd"] + "gYear")
XSD_DATE = ox.NamedNode(NS["xsd"] + "date")
XSD_DECIMAL = ox.NamedNode(NS["xsd"] + "decimal")


@cache
def iri(curie: str) -> ox.NamedNode:
    """``"k2:Tiltak"`` -> the NamedNode (cached: the same IRIs recur millions of times at 1M triples)."""
    prefix, _, local = curie.partition(":")
    return ox.NamedNode(NS[prefix] + local)


def nb(text: str) -> ox.Literal:
    return ox.Literal(text, language="nb")


def nn(text: str) -> ox.Literal:
    return ox.Literal(text, language="nn")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def year(y: int) -> ox.Literal:
    return ox.Literal(str(y), datatype=XSD_GYEAR)


def decimal(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_DECIMAL)


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1M"`` -> 1000000, ``"2500"`` -> 2500."""
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    try:
        value = int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 100k, 1M)") from None
    if value < 1000:
        raise argparse.ArgumentTypeError(f"size {text!r} is below the smallest useful graph (1000 triples)")
    return value


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# ----------------------------------------------------------------------------------------------------
# Vocabulary: the fixed parts of the real graph (plans, documents, concepts, named actors)
# ----------------------------------------------------------------------------------------------------

DOCUMENTS = {
    # slug: (title, language, issued, file name)
    "seed-000": ("Kompetanseløft 2020, tiltaksoversikt 2017", "nn", "2017-06-01", "000_synthetic.txt"),
    "seed-001": ("Kompetanseløft 2020, sluttrapport kapittel 5", "nb", "2021-12-13", "001_synthetic.txt"),
    "seed-002": ("Tilskudd og resultater i Kompetanseløft 2020", "nb", "2020-03-01", "002_synthetic.txt"),
    "seed-003": ("Statsforvalterens tilskuddsforvaltning", "nb", "2022-02-01", "003_synthetic.txt"),
    "seed-004": ("Tilskotsordningar i helse- og omsorgstenesta", "nn", "2019-09-01", "004_synthetic.txt"),
    "k2025-regjeringen": ("Kompetanseløft 2025", "nb", "2020-11-01", "k2025_synthetic.txt"),
}

PLANS = {
    # slug: (nb, en, notation, replaces)
    "kompetanseloftet-2015": ("Kompetanseløftet 2015", "Competence Boost 2015", "KL2015", None),
    "k2020": ("Kompetanseløft 2020", "Competence Boost 2020", "K2020", "kompetanseloftet-2015"),
    "k2025": ("Kompetanseløft 2025", "Competence Boost 2025", "K2025", "k2020"),
    "opptrappingsplan-heltid": ("Opptrappingsplan for heltid", "Escalation plan for full-time work", "OPH", None),
}

CONCEPTS = {
    # scheme: [(slug, nb, en)]
    "tiltakstype": [
        ("tilskudd", "Tilskudd", "Grant"),
        ("anskaffelse", "Anskaffelse", "Procurement"),
        ("utredning", "Utredning", "Study"),
        ("implementering", "Implementering", "Implementation"),
        ("intern-koordinering", "Intern koordinering", "Internal coordination"),
        ("modellforsok", "Modellforsøk", "Pilot"),
        ("oppdrag", "Oppdrag", "Commission"),
        ("tilskuddsforvaltning", "Tilskuddsforvaltning", "Grant administration"),
    ],
    "status": [
        ("pagaende", "Pågående", "Ongoing"),
        ("avsluttet", "Avsluttet", "Ended"),
        ("ikke-mottatt-fra-hod", "Ikke mottatt fra HOD", "Not received from HOD"),
        ("folges-opp-av-hod", "Følges opp av HOD", "Followed up by HOD"),
    ],
    "quantity": [
        ("amount-granted", "Tildelt beløp", "Amount granted"),
        ("municipalities", "Antall kommuner", "Number of municipalities"),
        ("participants", "Antall deltakere", "Number of participants"),
        ("students", "Antall studenter", "Number of students"),
        ("graduates", "Antall uteksaminerte", "Number of graduates"),
        ("recipients", "Antall mottakere", "Number of recipients"),
    ],
    "year": [(str(y), str(y), str(y)) for y in range(2014, 2021)],
    "county": [(f"fylke-{n:02d}", f"Fylke {n}", f"County {n}") for n in range(1, 19)],
    "unit": [
        ("nok", "Norske kroner", "Norwegian kroner"),
        ("municipalities", "Kommuner", "Municipalities"),
        ("persons", "Personer", "Persons"),
    ],
}
TYPE_WEIGHTS = [50, 15, 12, 7, 3, 4, 6, 3]
TYPE_TEXT = {
    # slug: (nb, nn)
    "tilskudd": ("Tilskudd", "Tilskot"),
    "anskaffelse": ("Anskaffelse", "Anskaffing"),
    "utredning": ("Utredning", "Utgreiing"),
    "implementering": ("Implementering", "Implementering"),
    "intern-koordinering": ("Intern koordinering", "Intern koordinering"),
    "modellforsok": ("Modellforsøk", "Modellforsøk"),
    "oppdrag": ("Oppdrag", "Oppdrag"),
    "tilskuddsforvaltning": ("Tilskuddsforvaltning", "Tilskotsforvaltning"),
}
QUANTITY_UNIT = {
    "amount-granted": "nok",
    "municipalities": "municipalities",
    "participants": "persons",
    "students": "persons",
    "graduates": "persons",
    "recipients": "persons",
}
#: Grant schemes named in the real data; the first is the default of the canned query tiltak-using-scheme.
NAMED_SCHEMES = [
    ("kommunalt-kompetanse-og-innovasjonstilskudd", "Kommunalt kompetanse- og innovasjonstilskudd"),
    ("helsestasjons-og-skolehelsetjenesten", "Helsestasjons- og skolehelsetjenesten"),
    ("oppfolging-av-akuttmedisinforskriften", "Oppfølging av akuttmedisinforskriften"),
    ("utviklingssenter-for-sykehjem-og-hjemmetjenester", "Utviklingssenter for sykehjem og hjemmetjenester"),
    ("lindrende-behandling-og-omsorg-ved-livets-slutt", "Lindrende behandling og omsorg ved livets slutt"),
]
#: The K2025 number that tiltak 1.1 always continues into (the default of the canned query k2025-sources).
K2025_ANCHOR = "1.10"

#: (slug, kind, code, nb name, alt labels); kind: org, unit (of hdir), group
ACTORS = [
    ("hdir", "org", "Hdir", "Helsedirektoratet", ("Helsedir",)),
    ("hdir-ph", "unit", "PH", "Divisjon primærhelsetjenester", ()),
    ("hdir-sp", "unit", "SP", "Divisjon spesialisthelsetjenester", ()),
    ("hdir-kp", "unit", "KP", "Divisjon kompetanse og personell", ()),
    ("hdir-fl", "unit", "FL", "Divisjon folkehelse og levekår", ()),
    ("hod", "org", "HOD", "Helse- og omsorgsdepartementet", ()),
    ("kd", "org", "KD", "Kunnskapsdepartementet", ()),
    ("ks", "org", "KS", "KS, Kommunesektorens organisasjon", ()),
    ("nokut", "org", "NOKUT", "NOKUT", ()),
    ("fhi", "org", "FHI", "Folkehelseinstituttet", ()),
    ("nlu", "org", "NLU", "Nasjonal ledelsesutvikling for helseforetak", ()),
    ("fylkesmannen", "org", "FM", "Fylkesmannen", ()),
    ("statsforvalteren", "org", "SF", "Statsforvalteren", ()),
    ("statsforvalteren-oslo-viken", "org", None, "Statsforvalteren i Oslo og Viken", ()),
    ("uib", "org", "UiB", "Universitetet i Bergen", ()),
    ("bergen-kommune", "org", None, "Bergen kommune", ()),
    ("oslo-kommune", "org", None, "Oslo kommune", ()),
    ("nkah", "org", None, "Nasjonal kompetansetjeneste for aldring og helse", ("Aldring og helse",)),
    ("bi", "org", "BI", "Handelshøyskolen BI", ()),
    ("nord-universitet", "org", None, "Nord universitet", ()),
    ("livsglede-for-eldre", "org", None, "Stiftelsen Livsglede for eldre", ()),
    ("verdighetssenteret", "org", None, "Verdighetssenteret", ()),
    ("nkkho", "org", None, "Nasjonalt kompetansesenter for kultur, helse og omsorg", ()),
    ("rkbu", "org", "RKBU", "Regionsentrene for barn og unges psykiske helse", ()),
    ("rvts", "org", "RVTS", "Regionale ressurssentre om vold, traumatisk stress og selvmordsforebygging", ()),
    ("korus", "org", "KORUS", "Kompetansesentre rus", ()),
    ("napha", "org", "NAPHA", "Nasjonalt kompetansesenter for psykisk helsearbeid", ()),
    ("nkvts", "org", "NKVTS", "Nasjonalt kunnskapssenter om vold og traumatisk stress", ()),
    ("nssf", "org", "NSSF", "Nasjonalt senter for selvmordsforskning og -forebygging", ()),
    ("nakmi", "org", "NAKMI", "Nasjonal kompetansetjeneste for minoritetshelse", ()),
    ("naku", "org", "NAKU", "Nasjonal kompetansetjeneste om utviklingshemming", ()),
    ("kommuner", "group", None, "kommunene", ("kommuner",)),
    ("fylkeskommuner", "group", None, "fylkeskommunene", ()),
    ("utdanningstilbydere", "group", None, "utdanningstilbydere", ()),
    ("hogskoler-og-universiteter", "group", None, "høgskoler og universiteter", ()),
    ("statlige-mottakere-organisasjoner-stiftelser", "group", None, "statlige mottakere, organisasjoner og stiftelser", ()),
    ("stiftelser-og-organisasjoner", "group", None, "stiftelser og organisasjoner", ()),
    ("brukerorganisasjoner", "group", None, "brukerorganisasjoner", ()),
    ("utviklingssentrene", "group", "USHT", "Utviklingssentrene for sykehjem og hjemmetjenester", ()),
]
#: Who the 2017 table names as responsible, by weight; "syn" is a synthetic division. PH is common.
RESPONSIBLE_WEIGHTS = [
    ("hdir-ph", 16),
    ("hdir-kp", 16),
    ("hdir-sp", 8),
    ("hdir-fl", 12),
    ("hod", 5),
    ("ks", 4),
    ("kd", 3),
    ("nlu", 2),
    ("fhi", 2),
    ("syn", 32),
]
GRANTORS = [("hdir", 55), ("statsforvalteren", 15), ("hod", 10), ("fylkesmannen", 5), ("syn", 15)]
RECIPIENTS = [
    ("kommuner", 30),
    ("ks", 8),
    ("statsforvalteren", 5),
    ("fylkeskommuner", 4),
    ("utdanningstilbydere", 4),
    ("hogskoler-og-universiteter", 4),
    ("brukerorganisasjoner", 3),
    ("uib", 2),
    ("bergen-kommune", 2),
    ("oslo-kommune", 2),
    ("syn", 36),
]

# Names: the same index gives the bokmål (seed 001) and nynorsk (seed 000) spelling.
HEADS = [
    ("Tilskudd til", "Tilskot til"),
    ("Kompetanseheving i", "Kompetanseheving i"),
    ("Rekruttering til", "Rekruttering til"),
    ("Videreutdanning i", "Vidareutdanning i"),
    ("Opplæring i", "Opplæring i"),
    ("Kvalitetsutvikling i", "Kvalitetsutvikling i"),
    ("Lederutdanning for", "Leiarutdanning for"),
    ("Veiledning i", "Rettleiing i"),
    ("Modellforsøk med", "Modellforsøk med"),
    ("Styrking av", "Styrking av"),
]
TOPICS = [
    ("helse- og omsorgstjenesten", "helse- og omsorgstenesta"),
    ("kommunale helse- og omsorgstjenester", "kommunale helse- og omsorgstenester"),
    ("sykehjem", "sjukeheimar"),
    ("hjemmetjenester", "heimetenester"),
    ("rus og psykisk helse", "rus og psykisk helse"),
    ("velferdsteknologi", "velferdsteknologi"),
    ("demensomsorg", "demensomsorg"),
    ("rehabilitering", "rehabilitering"),
    ("palliasjon", "palliasjon"),
    ("legevakt", "legevakt"),
    ("helsestasjons- og skolehelsetjenesten", "helsestasjons- og skulehelsetenesta"),
    ("tannhelsetjenesten", "tannhelsetenesta"),
    ("allmennlegetjenesten", "allmennlegetenesta"),
    ("habilitering", "habilitering"),
]
TAILS = [("", ""), (" i kommunene", " i kommunane"), (", fase 2", ", fase 2"), (" for ledere", " for leiarar")]
GOALS_NN = [
    "Auka kompetanse i {t}",
    "Betre rekruttering til {t}",
    "Fleire tilsette med relevant utdanning i {t}",
    "Betre kvalitet i {t}",
]
ORG_KINDS = ["Kompetansesenter for", "Stiftelsen", "Senter for", "Nettverk for", "Høgskolen i"]
PLACES = ["Agder", "Innlandet", "Nordland", "Rogaland", "Troms", "Vestland", "Viken", "Møre", "Telemark", "Finnmark"]


class Graph:
    """Triples in the order written; ``add`` takes CURIE strings or pyoxigraph terms."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: str | ox.NamedNode, p: str, o: str | ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(iri(s) if isinstance(s, str) else s, iri(p), iri(o) if isinstance(o, str) else o))

    def __len__(self) -> int:
        return len(self.triples)


class Generator:
    """Builds the synthetic graph for ``n_tiltak`` K2020 tiltak; every choice comes from ``rng``."""

    PER_STRATEGY = 25

    def __init__(self, n_tiltak: int, seed: int) -> None:
        self.n = max(4, n_tiltak)
        self.rng = random.Random(seed)
        self.g = Graph()
        self.lines = {doc: 20 for doc in DOCUMENTS}  # the next free line of each source document
        self.k2025_next = {area: 1 for area in range(1, 5)}
        self.k2025_minted: set[str] = set()
        self.k2025: list[str] = []
        self.strategies: set[int] = set()
        # pools, sized with the graph
        self.n_orgs = max(8, self.n // 20)
        self.n_groups = max(2, self.n // 200)
        self.n_schemes = max(6, self.n // 8)
        self.units: list[str] = []  # synthetic divisions
        self.orgs: list[str] = []
        self.groups: list[str] = []
        self.schemes: list[str] = []
        self.short_names: dict[str, str] = {}  # actor -> the short name a type text uses ("Hdir", "KS")

    # -- helpers ---------------------------------------------------------------------------------

    def weighted(self, pairs: list[tuple[str, int]]) -> str:
        """An actor CURIE drawn from ``pairs``; ``"syn"`` stands for one of the synthetic pool."""
        choice = self.rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]
        if choice != "syn":
            return f"actor:{choice}"
        pool = self.orgs if pairs is not RESPONSIBLE_WEIGHTS else self.units
        if pairs is RECIPIENTS and self.rng.random() < 0.25:
            pool = self.groups
        return self.rng.choice(pool)

    def location(self, doc: str, span: int | None = None) -> str:
        """A new source location in ``doc`` (declared here), after the previous one."""
        first = self.lines[doc]
        length = span if span is not None else self.rng.randint(1, 20)
        last = first + length - 1
        self.lines[doc] = last + 2
        loc = f"src:{doc}-L{first}" if length == 1 else f"src:{doc}-L{first}-{last}"
        g = self.g
        g.add(loc, "rdf:type", "k2:SourceLocation")
        g.add(loc, "dct:isPartOf", f"src:{doc}")
        g.add(loc, "k2:lineStart", ox.Literal(first))
        g.add(loc, "k2:lineEnd", ox.Literal(last))
        return loc

    def name(self) -> tuple[str, str]:
        h, t, tail = self.rng.choice(HEADS), self.rng.choice(TOPICS), self.rng.choice(TAILS)
        return f"{h[0]} {t[0]}{tail[0]}", f"{h[1]} {t[1]}{tail[1]}"

    def pick_scheme(self) -> str:
        """A grant scheme; the first named one (a query default) gets a fifth of the uses, as in the real data."""
        if self.rng.random() < 0.2:
            return f"scheme:{NAMED_SCHEMES[0][0]}"
        return self.rng.choice(self.schemes)

    def short(self, actor: str) -> str:
        return self.short_names.get(actor, actor.split(":", 1)[1])

    # -- the fixed part ----------------------------------------------------------------------------

    def fixed(self) -> None:
        g = self.g
        for slug, (title, lang, issued, fname) in DOCUMENTS.items():
            d = f"src:{slug}"
            g.add(d, "rdf:type", "k2:SourceDocument")
            g.add(d, "dct:title", ox.Literal(title, language=lang))
            g.add(d, "dct:issued", ox.Literal(issued, datatype=XSD_DATE))
            g.add(d, "k2:fileName", ox.Literal(fname))
        for slug, (label_nb, label_en, notation, replaces) in PLANS.items():
            p = f"plan:{slug}"
            g.add(p, "rdf:type", "k2:Plan")
            g.add(p, "rdfs:label", nb(label_nb))
            g.add(p, "rdfs:label", en(label_en))
            g.add(p, "skos:notation", ox.Literal(notation))
            if replaces:
                g.add(p, "dct:replaces", f"plan:{replaces}")
            g.add(p, "dct:source", self.location("k2025-regjeringen" if slug == "k2025" else "seed-001"))
        for area in range(1, 5):
            s = f"strategy:k2025-{area}"
            g.add(s, "rdf:type", "k2:Strategy")
            g.add(s, "rdfs:label", nb(f"K2025 strategisk område {area}"))
            g.add(s, "rdfs:label", en(f"K2025 strategic area {area}"))
            g.add(s, "skos:notation", ox.Literal(str(area)))
            g.add(s, "k2:inPlan", "plan:k2025")
            g.add(s, "dct:source", self.location("k2025-regjeringen"))
        for scheme, concepts in CONCEPTS.items():
            cs = f"concept:{scheme}"
            g.add(cs, "rdf:type", "skos:ConceptScheme")
            g.add(cs, "skos:prefLabel", nb(scheme.capitalize()))
            g.add(cs, "skos:prefLabel", en(scheme.capitalize()))
            for slug, label_nb, label_en in concepts:
                c = f"concept:{scheme}-{slug}"
                g.add(c, "rdf:type", "skos:Concept")
                g.add(c, "skos:inScheme", cs)
                g.add(c, "skos:prefLabel", nb(label_nb))
                g.add(c, "skos:prefLabel", en(label_en))
                g.add(c, "skos:notation", ox.Literal(slug))
                g.add(c, "skos:definition", nb(f"{label_nb} (syntetisk begrep i ordningen {scheme})."))
                g.add(c, "skos:definition", en(f"{label_en} (a synthetic concept in the scheme {scheme})."))
        for slug, kind, code, label, alts in ACTORS:
            a = f"actor:{slug}"
            self.actor(a, kind, code, label, alts, unit_of="actor:hdir" if kind == "unit" else None)
            self.short_names[a] = code or label
        ev = "event:fylkesmannen-til-statsforvalteren-2021"
        g.add(ev, "rdf:type", "org:ChangeEvent")
        g.add(ev, "org:originalOrganization", "actor:fylkesmannen")
        g.add(ev, "org:resultingOrganization", "actor:statsforvalteren")
        g.add(ev, "dct:date", year(2021))
        g.add(ev, "dct:source", self.location("seed-003"))
        # synthetic organisations, each with 0-4 divisions, and groups
        for i in range(1, self.n_orgs + 1):
            a = f"actor:syn-org-{i}"
            label = f"{self.rng.choice(ORG_KINDS)} {self.rng.choice(TOPICS)[0]} {self.rng.choice(PLACES)} {i}"
            self.actor(a, "org", f"O{i}", label, ())
            self.orgs.append(a)
            self.short_names[a] = label
            for j in range(1, self.rng.randint(0, 4) + 1):
                u = f"actor:syn-org-{i}-{j}"
                self.actor(u, "unit", f"O{i}-{j}", f"Avdeling {j} i {label}", (), unit_of=a)
                self.units.append(u)
        if not self.units:
            u = "actor:syn-org-1-1"
            self.actor(u, "unit", "O1-1", "Avdeling 1", (), unit_of="actor:syn-org-1")
            self.units.append(u)
        for i in range(1, self.n_groups + 1):
            a = f"actor:syn-group-{i}"
            label = f"mottakere i {self.rng.choice(PLACES)} {i}"
            self.actor(a, "group", None, label, ())
            self.groups.append(a)
            self.short_names[a] = label
        for slug, label in NAMED_SCHEMES:
            self.scheme(slug, label)
        for i in range(1, self.n_schemes + 1):
            self.scheme(f"syn-{i}", None)

    def actor(self, a: str, kind: str, code: str | None, label: str, alts: tuple[str, ...], unit_of: str | None = None) -> None:
        g, rng = self.g, self.rng
        cls = {"org": "org:FormalOrganization", "unit": "org:OrganizationalUnit", "group": "k2:ActorGroup"}[kind]
        g.add(a, "rdf:type", cls)
        g.add(a, "skos:prefLabel", nb(label))
        if rng.random() < 0.3:
            g.add(a, "skos:prefLabel", nn(label))
        if rng.random() < 0.3:
            g.add(a, "skos:prefLabel", en(label))
        for alt in alts:
            g.add(a, "skos:altLabel", nb(alt))
        if code:
            g.add(a, "skos:notation", ox.Literal(code))
        if unit_of:
            g.add(a, "org:unitOf", unit_of)
        for _ in range(rng.randint(1, 2)):
            g.add(a, "dct:source", self.location(rng.choice(("seed-000", "seed-001", "seed-003", "seed-004"))))

    def scheme(self, slug: str, label: str | None) -> None:
        g, rng = self.g, self.rng
        s = f"scheme:{slug}"
        name_nb, name_nn = self.name()
        g.add(s, "rdf:type", "k2:GrantScheme")
        g.add(s, "skos:prefLabel", nb(label or f"{name_nb} ({slug})"))
        if rng.random() < 0.3:
            g.add(s, "skos:prefLabel", nn(f"{name_nn} ({slug})"))
        g.add(s, "foaf:page", ox.NamedNode(f"https://www.helsedirektoratet.no/tilskudd/{slug}"))
        if rng.random() < 0.6:
            g.add(s, "k2:administrator", rng.choice(("actor:hdir", "actor:statsforvalteren", "actor:hdir-kp")))
        for _ in range(rng.randint(1, 2)):
            g.add(s, "k2:eligibleApplicant", self.weighted(RECIPIENTS))
        if rng.random() < 0.5:
            g.add(s, "k2:targetGroup", nb(f"Ansatte i {rng.choice(TOPICS)[0]}"))
        if rng.random() < 0.5:
            g.add(s, "k2:purpose", nb(f"Å styrke kompetansen i {rng.choice(TOPICS)[0]}"))
        if self.schemes and rng.random() < 0.1:
            g.add(rng.choice(self.schemes), "dct:isReplacedBy", s)
        g.add(s, "dct:source", self.location(rng.choice(("seed-003", "seed-004", "seed-000"))))
        self.schemes.append(s)

    # -- the scaled part: one unit per K2020 tiltak -----------------------------------------------

    def layout(self) -> tuple[list[tuple[int, int]], dict[int, int]]:
        """Every tiltak's (strategy, number), and the cross-listed pairs (index -> partner index)."""
        per = self.PER_STRATEGY
        numbers = [(i // per + 1, i % per + 1) for i in range(self.n)]
        partner: dict[int, int] = {}
        # 3.14 and 4.4 are cross-listed, as in the real table (3.14 is a query default)
        a, b = 2 * per + 13, 3 * per + 3
        if b < self.n:
            partner[a], partner[b] = b, a
        order = list(range(1, self.n))  # tiltak 1.1 stays single
        self.rng.shuffle(order)
        for i in order:
            if i in partner or self.rng.random() >= 0.035:
                continue
            j = self.rng.randrange(1, self.n)
            if j != i and j not in partner and numbers[j][0] != numbers[i][0]:
                partner[i], partner[j] = j, i
        return numbers, partner

    def strategy(self, s: int) -> str:
        node = f"strategy:k2020-{s}"
        if s not in self.strategies:
            self.strategies.add(s)
            g = self.g
            g.add(node, "rdf:type", "k2:Strategy")
            g.add(node, "rdfs:label", nb(f"K2020 strategi {s}"))
            g.add(node, "rdfs:label", en(f"K2020 strategy {s}"))
            g.add(node, "skos:notation", ox.Literal(str(s)))
            g.add(node, "k2:inPlan", "plan:k2020")
            g.add(node, "dct:source", self.location("seed-001", 1))
        return node

    def k2025_target(self, loc: str, nr: str | None = None) -> str:
        """A K2025 tiltak to continue into: usually a new number, sometimes one already referred to."""
        if nr is None and self.k2025 and self.rng.random() < 0.25:
            return self.rng.choice(self.k2025)
        if nr is None:
            area = self.rng.randint(1, 4)
            while f"{area}.{self.k2025_next[area]}" in self.k2025_minted:
                self.k2025_next[area] += 1
            nr = f"{area}.{self.k2025_next[area]}"
        area = int(nr.split(".")[0])
        self.k2025_minted.add(nr)
        t = f"tiltak:k2025-{nr}"
        g = self.g
        g.add(t, "rdf:type", "k2:Tiltak")
        g.add(t, "rdfs:label", nb(f"K2025-tiltak {nr}"))
        g.add(t, "rdfs:label", en(f"K2025 tiltak {nr}"))
        g.add(t, "skos:notation", ox.Literal(nr))
        g.add(t, "k2:inPlan", "plan:k2025")
        g.add(t, "k2:inferredStrategy", f"strategy:k2025-{area}")
        g.add(t, "rdfs:comment", nb("Strategisk område er utledet av første siffer i nummeret, ikke oppgitt i kilden."))
        g.add(
            t, "rdfs:comment", en("The strategic area is inferred from the first digit of the number, not stated in the source.")
        )
        g.add(t, "dct:source", loc)
        self.k2025.append(t)
        return t

    def tiltak_unit(self, i: int, numbers: list[tuple[int, int]], partner: dict[int, int]) -> None:
        g, rng = self.g, self.rng
        s, k = numbers[i]
        nr = f"{s}.{k}"
        t = f"tiltak:k2020-{nr}"
        other = partner.get(i)
        other_nr = f"{numbers[other][0]}.{numbers[other][1]}" if other is not None else None
        lower = other is None or numbers[i] < numbers[other]
        first = i == 0  # tiltak 1.1: always PH's, always continued (the default of continued-into-k2025)

        loc1 = self.location("seed-001", rng.randint(12, 26))
        has_000 = first or rng.random() < 0.85
        loc0 = self.location("seed-000", rng.randint(4, 12)) if has_000 else None

        # the tiltak and its measure
        g.add(t, "rdf:type", "k2:Tiltak")
        g.add(t, "rdfs:label", nb(f"K2020-tiltak {nr}"))
        g.add(t, "rdfs:label", en(f"K2020 tiltak {nr}"))
        g.add(t, "skos:notation", ox.Literal(nr))
        g.add(t, "k2:inPlan", "plan:k2020")
        g.add(t, "k2:strategy", self.strategy(s))
        rec1 = f"record:seed001-k2020-{nr}"
        if other_nr is None:
            m = f"measure:k2020-{nr}"
        else:
            lo, hi = (nr, other_nr) if lower else (other_nr, nr)
            m = f"measure:k2020-{lo}_{hi}"
            g.add(t, "k2:crossListedWith", f"tiltak:k2020-{other_nr}")
        g.add(t, "k2:measure", m)
        g.add(t, "dct:source", loc1)
        if loc0:
            g.add(t, "dct:source", loc0)
        if lower:  # a shared measure is written once, by the partner that comes first
            g.add(m, "rdf:type", "k2:Measure")
            both = nr if other_nr is None else f"{nr} og {other_nr}"
            g.add(m, "rdfs:label", nb(f"Tiltaket bak K2020-tiltak {both}"))
            g.add(m, "rdfs:label", en(f"The measure behind K2020 tiltak {both.replace(' og ', ' and ')}"))
            g.add(m, "prov:wasDerivedFrom", rec1)
            g.add(m, "dct:source", loc1)
            if other_nr is not None:
                g.add(m, "prov:wasDerivedFrom", f"record:seed001-k2020-{other_nr}")

        # the seed 001 record (final table, bokmål)
        name_nb, name_nn = self.name()
        ttype = rng.choices([c[0] for c in CONCEPTS["tiltakstype"]], weights=TYPE_WEIGHTS)[0]
        g.add(rec1, "rdf:type", "k2:TiltakRecord")
        g.add(rec1, "k2:recordOf", t)
        g.add(rec1, "dct:source", loc1)
        g.add(rec1, "dct:title", nb(name_nb))
        if other_nr is not None:
            g.add(rec1, "k2:referencesTiltak", f"tiltak:k2020-{other_nr}")
        elif rng.random() < 0.02 and i > 1:
            ref_s, ref_k = numbers[rng.randrange(i)]
            g.add(rec1, "k2:referencesTiltak", f"tiltak:k2020-{ref_s}.{ref_k}")
        grantor = recipient = None
        if ttype == "tilskudd" and rng.random() < 0.8:
            grantor, recipient = self.weighted(GRANTORS), self.weighted(RECIPIENTS)
            type_text = f"Tilskudd fra {self.short(grantor)} til {self.short(recipient)}"
        elif ttype == "oppdrag":
            type_text = f"Oppdrag til {self.short(self.weighted(GRANTORS))}"
        else:
            type_text = TYPE_TEXT[ttype][0]
        g.add(rec1, "k2:typeText", nb(type_text))
        if rng.random() < 0.2:
            g.add(rec1, "k2:sourceNote", nb(f"Tilskuddsordningens navn er {self.name()[0]}."))
        g.add(rec1, "k2:tiltakType", f"concept:tiltakstype-{ttype}")
        if rng.random() < 0.15:
            g.add(rec1, "k2:usesScheme", self.pick_scheme())
        if rng.random() < 0.05:
            g.add(rec1, "k2:involves", self.weighted(RECIPIENTS))
        if rng.random() < 0.04:
            g.add(rec1, "k2:supplier", rng.choice(self.orgs))
        start = rng.randint(2010, 2020)
        silent_row = other_nr is not None and not lower  # the partner row of a cross-listing is empty
        continued = False
        if silent_row:
            for prop in ("k2:start", "k2:end", "k2:continuedInK2025"):
                g.add(rec1, "k2:silentOn", prop)
        else:
            r = rng.random()
            if r < 0.01:
                g.add(rec1, "k2:start", nb("1990-tallet"))
            elif r < 0.05:
                g.add(rec1, "k2:silentOn", "k2:start")
            else:
                g.add(rec1, "k2:start", year(start))
            continued = first or rng.random() < 0.55
            odd = 0.0 if first else rng.random()  # a few rows contradict themselves, as real tables do
            g.add(rec1, "k2:continuedInK2025", ox.Literal(continued))
            if continued:
                if odd < 0.02:
                    g.add(rec1, "k2:end", year(min(2021, start + rng.randint(1, 6))))
                else:
                    g.add(rec1, "k2:silentOn", "k2:end")
                g.add(rec1, "k2:status", "concept:status-avsluttet" if 0.02 <= odd < 0.03 else "concept:status-pagaende")
                continued = not 0.03 <= odd < 0.04  # a "Ja" without a K2025 number
            else:
                g.add(rec1, "k2:end", year(min(2021, start + rng.randint(1, 6))))
                if odd < 0.01:
                    g.add(rec1, "k2:status", "concept:status-pagaende")
                else:
                    statuses = ("concept:status-avsluttet",) * 9 + ("concept:status-ikke-mottatt-fra-hod",)
                    g.add(rec1, "k2:status", rng.choice(statuses))

        # continuations, in the source's order
        if continued:
            for pos in range(1, (2 if first or rng.random() < 0.15 else 1) + 1):
                target = self.k2025_target(loc1, K2025_ANCHOR if first and pos == 1 else None)
                c = f"cont:k2020-{nr}_{target.split(':', 1)[1]}"
                g.add(c, "rdf:type", "k2:Continuation")
                g.add(c, "k2:fromTiltak", t)
                g.add(c, "k2:toTiltak", target)
                g.add(c, "k2:position", ox.Literal(pos))
                g.add(c, "prov:wasDerivedFrom", rec1)
                g.add(c, "dct:source", loc1)
                if rng.random() < 0.05:
                    g.add(c, "rdfs:comment", nb("Kilden oppgir nummeret med en skrivefeil; lest slik det står."))

        # the seed 000 record (2017 table, nynorsk)
        if loc0:
            rec0 = f"record:seed000-k2020-{nr}"
            g.add(rec0, "rdf:type", "k2:TiltakRecord")
            g.add(rec0, "k2:recordOf", t)
            g.add(rec0, "dct:source", loc0)
            g.add(rec0, "dct:title", nn(name_nn))
            g.add(rec0, "k2:typeText", nn(TYPE_TEXT[ttype][1]))
            g.add(rec0, "k2:tiltakType", f"concept:tiltakstype-{ttype}")
            if other_nr is not None:  # a double number ("3.14 og 4.4")
                g.add(rec0, "k2:referencesTiltak", f"tiltak:k2020-{other_nr}")
            responsible = {"actor:hdir-ph"} if first else {self.weighted(RESPONSIBLE_WEIGHTS)}
            if rng.random() < 0.1:
                responsible.add(self.weighted(RESPONSIBLE_WEIGHTS))
            for who in sorted(responsible):
                g.add(rec0, "k2:responsible", who)
            if rng.random() < 0.8:
                g.add(rec0, "k2:goal", nn(rng.choice(GOALS_NN).format(t=rng.choice(TOPICS)[1])))
            if rng.random() < 0.15:
                g.add(rec0, "k2:supplier", rng.choice(self.orgs))
            for n in range(rng.choice((0, 0, 1, 1, 2))):
                g.add(rec0, "foaf:page", ox.NamedNode(f"https://www.helsedirektoratet.no/tiltak/k2020-{nr}/{n + 1}"))
            if rng.random() < 0.15:
                g.add(rec0, "k2:usesScheme", self.pick_scheme())
            if rng.random() < 0.05:
                g.add(rec0, "k2:status", "concept:status-folges-opp-av-hod")
            if rng.random() < 0.03:
                g.add(rec0, "rdfs:comment", nb("Deler av raden er tapt i OCR-lesingen av kilden."))

            if grantor and recipient and rng.random() < 0.7:  # the 2017 table states the flow too
                f = f"flow:seed000-k2020-{nr}"
                g.add(f, "rdf:type", "k2:FundingFlow")
                g.add(f, "k2:grantor", grantor)
                g.add(f, "k2:recipient", recipient)
                g.add(f, "k2:forTiltak", t)
                g.add(f, "prov:wasDerivedFrom", rec0)
                g.add(f, "k2:quote", nn(f"Tilskot frå {self.short(grantor)} til {self.short(recipient)}"))
                g.add(f, "dct:source", loc0)

        # funding flows stated by the final table's row
        if grantor and recipient:
            for n in range(1 if rng.random() < 0.8 else rng.randint(2, 3)):
                f = f"flow:seed001-k2020-{nr}" + (f"-{n + 1}" if n else "")
                g.add(f, "rdf:type", "k2:FundingFlow")
                g.add(f, "k2:grantor", grantor)
                g.add(f, "k2:recipient", recipient if n == 0 else self.weighted(RECIPIENTS))
                g.add(f, "k2:forTiltak", t)
                g.add(f, "prov:wasDerivedFrom", rec1)
                g.add(f, "k2:quote", nb(type_text))
                g.add(f, "dct:source", loc1)
        # flows and figures from the running text of seed 002
        if rng.random() < 0.3:
            loc2 = self.location("seed-002", 1)
            line = loc2.rsplit("-L", 1)[1]
            amount = rng.randint(1, 300) * 100_000
            y = rng.randint(2015, 2020)
            if rng.random() < 0.6:
                f = f"flow:seed002-L{line}"
                g.add(f, "rdf:type", "k2:FundingFlow")
                g.add(f, "k2:grantor", self.weighted(GRANTORS))
                g.add(f, "k2:recipient", self.weighted(RECIPIENTS))
                g.add(f, "k2:forTiltak", t)
                g.add(f, "k2:amount", decimal(amount))
                g.add(f, "k2:currency", ox.Literal("NOK"))
                g.add(f, "k2:year", year(y))
                if rng.random() < 0.5:
                    g.add(f, "k2:viaScheme", self.pick_scheme())
                millions = f"{amount / 1e6:.1f}".replace(".", ",")
                g.add(f, "k2:quote", nb(f"… {millions} mill. kr i {y} …"))
                g.add(f, "dct:source", loc2)
                if rng.random() < 0.03:
                    g.add(f, "rdfs:comment", nb("Beløpet gjelder hele ordningen, ikke bare dette tiltaket."))
            for n in range(rng.randint(1, 2)):
                fig = f"figure:seed002-L{line}" + (f"-{n + 1}" if n else "")
                quantity = rng.choice(list(QUANTITY_UNIT))
                value = amount if quantity == "amount-granted" else rng.randint(5, 400)
                about = t if rng.random() < 0.85 else rng.choice(self.schemes + ["plan:k2020"])
                g.add(fig, "rdf:type", "k2:Figure")
                g.add(fig, "k2:about", about)
                if about != t and rng.random() < 0.5:
                    g.add(fig, "k2:forTiltak", t)
                g.add(fig, "k2:quantity", f"concept:quantity-{quantity}")
                g.add(fig, "k2:value", decimal(value))
                g.add(fig, "k2:unit", f"concept:unit-{QUANTITY_UNIT[quantity]}")
                if rng.random() < 0.12:
                    g.add(fig, "k2:silentOn", "k2:year")
                else:
                    g.add(fig, "k2:year", year(y))
                g.add(fig, "k2:quote", nb(f"… {value} …"))
                if rng.random() < 0.6:
                    g.add(fig, "rdfs:comment", nb(f"Tallet gjelder {rng.choice(PLACES)}."))
                    g.add(fig, "rdfs:comment", en(f"The figure is for {rng.choice(PLACES)}."))
                g.add(fig, "dct:source", loc2)
                if rng.random() < 0.15:
                    g.add(fig, "dct:source", self.location("seed-002", 1))

    def cube_structure(self) -> None:
        """The Data Cube structure of the status report's county tables (as in cube-seed-002-structure.ttl)."""
        g = self.g
        g.add("sdmx-measure:obsValue", "rdf:type", "qb:MeasureProperty")
        g.add("sdmx-attribute:unitMeasure", "rdf:type", "qb:AttributeProperty")
        for name, dimension, order in (
            ("ref-year", "k2:refYear", 1),
            ("county", "k2:county", 2),
            ("statistic", "k2:statistic", 3),
        ):
            c = f"cube:component-{name}"
            g.add(c, "rdf:type", "qb:ComponentSpecification")
            g.add(c, "qb:dimension", dimension)
            g.add(c, "qb:order", ox.Literal(order))
            g.add("cube:structure-county", "qb:component", c)
        g.add("cube:component-value", "rdf:type", "qb:ComponentSpecification")
        g.add("cube:component-value", "qb:measure", "sdmx-measure:obsValue")
        g.add("cube:component-unit", "rdf:type", "qb:ComponentSpecification")
        g.add("cube:component-unit", "qb:attribute", "sdmx-attribute:unitMeasure")
        g.add("cube:component-unit", "qb:componentAttachment", "qb:Observation")
        g.add("cube:component-unit", "qb:componentRequired", ox.Literal(True))
        for c in ("value", "unit"):
            g.add("cube:structure-county", "qb:component", f"cube:component-{c}")
        g.add("cube:structure-county", "rdf:type", "qb:DataStructureDefinition")
        g.add("cube:structure-county", "rdfs:label", nb("år × fylke × størrelse"))
        g.add("cube:structure-county", "rdfs:label", en("year × county × statistic"))

    def cube_table(self, number: int, about: str) -> None:
        """Statistics table ``number`` of seed 002: a county breakdown of one or two statistics for one or two
        years, one observation per cell; table 1's first cell has the IRI that the canned query takes by default."""
        g, rng = self.g, self.rng
        ds = f"cube:seed002-tabell-{number:02d}"
        g.add(ds, "rdf:type", "qb:DataSet")
        g.add(ds, "qb:structure", "cube:structure-county")
        g.add(ds, "dct:title", nb(f"Tabell {number} Syntetisk fylkestabell {number}"))
        g.add(ds, "rdfs:label", nb(f"Tabell {number} i statusrapporten"))
        g.add(ds, "rdfs:label", en(f"Table {number} of the status report"))
        g.add(ds, "k2:reportsOn", about)
        g.add(ds, "dct:source", self.location("seed-002", 40))
        statistics = rng.sample(["municipalities", "participants", "recipients"], rng.randint(1, 2))
        years = sorted(rng.sample(range(2014, 2021), rng.randint(1, 2)))
        for county in range(1, 19):
            loc = self.location("seed-002", 1)
            line = loc.rsplit("-L", 1)[1]
            for k, (quantity, y) in enumerate((q, y) for q in statistics for y in years):
                obs = f"{ds}-L{line}" + (f"-{k + 1}" if k else "")
                if number == 1 and county == 1 and k == 0:
                    obs = f"{ds}-L929"
                g.add(obs, "rdf:type", "qb:Observation")
                g.add(obs, "qb:dataSet", ds)
                g.add(obs, "k2:refYear", f"concept:year-{y}")
                g.add(obs, "k2:county", f"concept:county-fylke-{county:02d}")
                g.add(obs, "k2:statistic", f"concept:quantity-{quantity}")
                g.add(obs, "sdmx-measure:obsValue", ox.Literal(rng.randint(0, 60)))
                g.add(obs, "sdmx-attribute:unitMeasure", f"concept:unit-{QUANTITY_UNIT[quantity]}")
                g.add(obs, "dct:source", loc)

    def build(self) -> Graph:
        self.fixed()
        numbers, partner = self.layout()
        for i in range(self.n):
            self.tiltak_unit(i, numbers, partner)
        # the statistics tables: about one per 25 tiltak, each a county breakdown (~18-72 observations)
        self.cube_structure()
        for number in range(1, max(1, self.n // 25) + 1):
            s, k = self.rng.choice(numbers)
            if number == 1 and (1, 5) in numbers:
                s, k = 1, 5  # as in the real data, Tabell 1 reports on 1.5 (county-breakdown-of-tiltak's default)
            self.cube_table(number, f"tiltak:k2020-{s}.{k}")
        return self.g


def count_ontology_triples(root: Path = REPO) -> int:
    return sum(
        sum(1 for _ in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)) for p in sorted((root / "ontology").glob("*.ttl"))
    )


def plan_tiltak(triples: int, seed: int) -> int:
    """How many K2020 tiltak give about ``triples`` triples, ontology included (calibrated on a small run)."""
    target = max(500, triples - count_ontology_triples())
    # The pools (organisations, schemes) grow with the graph too, so fit a line through two small runs.
    small, probe = 4, 400
    at_small, at_probe = len(Generator(small, seed).build()), len(Generator(probe, seed).build())
    per = (at_probe - at_small) / (probe - small)
    return max(small, round(small + (target - at_small) / per))


def copy_repo_parts(out: Path) -> None:
    """ontology/, queries/, rules/ and shapes/ from this repository (replaced, so that they stay current)."""
    for part in ("ontology", "queries", "rules", "shapes"):
        dest = out / part
        if dest.exists():
            shutil.rmtree(dest)
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest)
        else:
            dest.mkdir(parents=True)


def build_root(out: Path, triples: int, seed: int = 1, reuse: bool = False, log: Callable[[str], None] = print) -> dict:
    """Write a project root at ``out``; with ``reuse``, keep a data file made earlier with the same settings."""
    out.mkdir(parents=True, exist_ok=True)
    copy_repo_parts(out)
    stamp_path = out / STAMP
    wanted = {"generator": GENERATOR_VERSION, "requested": triples, "seed": seed}
    if reuse and stamp_path.is_file() and (out / DATA_FILE).is_file():
        stamp = json.loads(stamp_path.read_text())
        if {k: stamp.get(k) for k in wanted} == wanted:
            return stamp
    started = time.perf_counter()
    n_tiltak = plan_tiltak(triples, seed)
    graph = Generator(n_tiltak, seed).build()
    (out / DATA_FILE).parent.mkdir(parents=True, exist_ok=True)
    tmp = out / (DATA_FILE + ".tmp")
    ox.serialize(graph.triples, output=str(tmp), format=ox.RdfFormat.N_TRIPLES)
    tmp.replace(out / DATA_FILE)
    ontology = count_ontology_triples(out)
    stamp = {
        **wanted,
        "tiltak": n_tiltak,
        "data_triples": len(graph),
        "ontology_triples": ontology,
        "total_triples": len(graph) + ontology,
        "seconds": round(time.perf_counter() - started, 2),
    }
    stamp_path.write_text(json.dumps(stamp, indent=2) + "\n")
    log(
        f"generated {out}: {stamp['total_triples']:,} triples ({len(graph):,} data + {ontology:,} ontology), "
        f"{n_tiltak:,} K2020 tiltak, in {stamp['seconds']} s"
    )
    return stamp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=parse_size, default=parse_size("10k"), help="about how many triples (10k, 100k, 1M)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed and size, same bytes")
    parser.add_argument("--out", type=Path, help="the project root to write (default bench/data/synthetic-SIZE)")
    args = parser.parse_args(argv)
    out = args.out or REPO / "bench" / "data" / f"synthetic-{size_label(args.triples)}"
    build_root(out, args.triples, args.seed, log=lambda m: print(m, file=sys.stderr))
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
