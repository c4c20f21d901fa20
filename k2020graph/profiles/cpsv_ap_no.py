"""Grant schemes as public services: each ``k2:GrantScheme`` as a CPSV-AP-NO 1 ``cpsv:PublicService``.

The mapping (each value from the graph, nothing guessed):

| CPSV-AP-NO | from |
|---|---|
| the service's IRI, ``dct:identifier`` | the scheme's IRI |
| ``dct:title`` | ``skos:prefLabel`` |
| ``dct:description`` | ``k2:purpose`` |
| ``cv:hasCompetentAuthority`` (``cv:PublicOrganisation``) | ``k2:administrator``; else the grantors of its flows |
| ``cpsvno:hasPossibleOutput`` | ``{scheme}#output``: a grant scheme's output is a grant (``k2:GrantScheme``) |
| ``cv:holdsRequirement`` (``cv:Criterion``) | ``k2:eligibleApplicant``: who may apply |
| ``dct:audience`` (``skos:Concept``) | ``k2:targetGroup`` and the recipients of the funding flows via the scheme |
| ``dct:relation`` | the tiltak that use the scheme (``k2:usesScheme`` on their records, ``k2:forTiltak`` of its flows) |
| ``foaf:homepage`` | ``foaf:page`` |
| ``dct:hasPart`` / ``dct:isPartOf`` | the same, between schemes |
| ``cv:relatedService`` | ``dct:replaces``, ``dct:isReplacedBy``, ``skos:related`` between schemes |
| ``dct:source`` | the scheme's source locations |

Mandatory values that the sources do not give are reported as gaps: the contact point of every
service (``cv:contactPoint``), its description where the source states no purpose, its competent
authority where neither an administrator nor a grantor is known, and the coverage (``dct:spatial``) of
every competent authority.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from ..namespaces import CPSV, CPSVNO, CV, K2
from . import ProfileExport, ordered, profile_graph


def _slug(iri: Node) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _labels(data: Graph, node: Node) -> dict[str, Literal]:
    """The node's preferred labels by language (``skos:prefLabel``, else ``rdfs:label``)."""
    out: dict[str, Literal] = {}
    for prop in (SKOS.prefLabel, RDFS.label):
        for value in ordered(data.objects(node, prop)):
            if isinstance(value, Literal) and value.language and value.language not in out:
                out[value.language] = value
        if out:
            break
    return out


def _name(labels: dict[str, Literal], *langs: str) -> str:
    for lang in (*langs, "nb", "nn", "en"):
        if lang in labels:
            return str(labels[lang])
    return ""


def cpsv_ap_no(data: Graph) -> ProfileExport:
    """Every grant scheme of ``data`` as a CPSV-AP-NO public service, with the gaps the sources leave."""
    out = ProfileExport(profile_graph())
    g = out.graph
    schemes = sorted(s for s in data.subjects(RDF.type, K2.GrantScheme) if isinstance(s, URIRef))
    scheme_set = set(schemes)
    authorities: set[Node] = set()
    for scheme in schemes:
        g.add((scheme, RDF.type, CPSV.PublicService))
        g.add((scheme, DCTERMS.identifier, Literal(str(scheme))))
        labels = _labels(data, scheme)
        for label in labels.values():
            g.add((scheme, DCTERMS.title, label))
        if not labels:
            out.gap(scheme, DCTERMS.title, "ordningen har ikke noe navn i kildene", "the scheme has no name in the sources")
        purposes = [p for p in data.objects(scheme, K2.purpose) if isinstance(p, Literal)]
        for purpose in purposes:
            g.add((scheme, DCTERMS.description, purpose))
        if not purposes:
            out.gap(
                scheme,
                DCTERMS.description,
                "kildene oppgir ikke formålet med ordningen",
                "the sources state no purpose of the scheme",
            )
        out.gap(
            scheme,
            CV.contactPoint,
            "kildene oppgir ikke noe kontaktpunkt for ordningen",
            "the sources state no contact point for the scheme",
        )
        flows = ordered(data.subjects(K2.viaScheme, scheme))
        competent = ordered(data.objects(scheme, K2.administrator)) or ordered(
            {o for f in flows for o in data.objects(f, K2.grantor)}
        )
        for authority in competent:
            if isinstance(authority, URIRef):
                g.add((scheme, CV.hasCompetentAuthority, authority))
                authorities.add(authority)
        if not competent:
            out.gap(
                scheme,
                CV.hasCompetentAuthority,
                "kildene oppgir verken forvalter av eller tilskuddsgiver i ordningen",
                "the sources state neither an administrator nor a grantor of the scheme",
            )
        _output(g, scheme, labels)
        _criteria(g, data, scheme)
        audiences = _audience(g, data, scheme, flows)
        if not audiences and not list(data.objects(scheme, K2.eligibleApplicant)):
            out.gap(
                scheme,
                DCTERMS.audience,
                "kildene oppgir verken målgruppe, søkere eller mottakere",
                "the sources state no target group, applicant or recipient",
                mandatory=False,
            )
        tiltak = {t for r in data.subjects(K2.usesScheme, scheme) for t in data.objects(r, K2.recordOf)}
        tiltak |= {t for f in flows for t in data.objects(f, K2.forTiltak)}
        for t in ordered(tiltak):
            g.add((scheme, DCTERMS.relation, t))
            for label in _labels(data, t).values():
                g.add((t, RDFS.label, label))
        for page in data.objects(scheme, FOAF.page):
            g.add((scheme, FOAF.homepage, page))
        for prop, target in ((DCTERMS.hasPart, DCTERMS.hasPart), (DCTERMS.isPartOf, DCTERMS.isPartOf)):
            for other in data.objects(scheme, prop):
                if other in scheme_set:
                    g.add((scheme, target, other))
        for prop in (DCTERMS.replaces, DCTERMS.isReplacedBy, SKOS.related):
            for other in data.objects(scheme, prop):
                if other in scheme_set:
                    g.add((scheme, CV.relatedService, other))
        for source in data.objects(scheme, DCTERMS.source):
            g.add((scheme, DCTERMS.source, source))

    for authority in ordered(authorities):
        g.add((authority, RDF.type, CV.PublicOrganisation))
        g.add((authority, DCTERMS.identifier, Literal(str(authority))))
        for label in _labels(data, authority).values():
            g.add((authority, SKOS.prefLabel, label))
        out.gap(
            authority,
            DCTERMS.spatial,
            "kildene oppgir ikke organets dekningsområde",
            "the sources state no area that the authority covers",
        )
    return out


def _output(g: Graph, scheme: URIRef, labels: dict[str, Literal]) -> None:
    output = URIRef(f"{scheme}#output")
    g.add((scheme, CPSVNO.hasPossibleOutput, output))
    g.add((output, RDF.type, CPSVNO.PossibleOutput))
    g.add((output, DCTERMS.identifier, Literal(str(output))))
    g.add((output, DCTERMS.title, Literal("Tilskudd", lang="nb")))
    g.add((output, DCTERMS.title, Literal("Grant", lang="en")))
    name_nb, name_en = _name(labels, "nb"), _name(labels, "en", "nb")
    g.add((output, DCTERMS.description, Literal(f"Tilskudd fra ordningen «{name_nb}»", lang="nb")))
    g.add((output, DCTERMS.description, Literal(f"A grant from the scheme «{name_en}»", lang="en")))


def _criteria(g: Graph, data: Graph, scheme: URIRef) -> None:
    for applicant in ordered(data.objects(scheme, K2.eligibleApplicant)):
        labels = _labels(data, applicant)
        criterion = URIRef(f"{scheme}#applicant-{_slug(applicant)}")
        g.add((scheme, CV.holdsRequirement, criterion))
        g.add((criterion, RDF.type, CV.Criterion))
        g.add((criterion, RDF.type, CV.Requirement))  # cv:Criterion is a cv:Requirement (CCCEV), written out
        g.add((criterion, DCTERMS.identifier, Literal(str(criterion))))
        g.add((criterion, DCTERMS.title, Literal(f"Kan søke: {_name(labels, 'nb')}", lang="nb")))
        g.add((criterion, DCTERMS.title, Literal(f"May apply: {_name(labels, 'en', 'nb')}", lang="en")))
        g.add((criterion, DCTERMS.relation, applicant))


def _audience(g: Graph, data: Graph, scheme: URIRef, flows: list[Node]) -> list[URIRef]:
    concepts: list[URIRef] = []
    for i, group in enumerate(ordered(o for o in data.objects(scheme, K2.targetGroup) if isinstance(o, Literal)), 1):
        concept = URIRef(f"{scheme}#target-group-{i}")
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.prefLabel, group))
        concepts.append(concept)
    for recipient in ordered({o for f in flows for o in data.objects(f, K2.recipient)}):
        concept = URIRef(f"{scheme}#recipient-{_slug(recipient)}")
        g.add((concept, RDF.type, SKOS.Concept))
        for label in _labels(data, recipient).values():
            g.add((concept, SKOS.prefLabel, label))
        g.add((concept, SKOS.related, recipient))
        concepts.append(concept)
    for concept in concepts:
        g.add((scheme, DCTERMS.audience, concept))
    return concepts
