"""Readable names for the resources that have no label of their own, composed from what they state.

A funding flow reads "Tilskudd fra Helsedirektoratet til kommunene (tiltak 3.14)", a figure
"Deltakere: 2460 personer (2016)", a continuation "K2020-tiltak 3.2 → K2025-tiltak 1.10", a direct
statement "K2020-tiltak 3.2: ansvarlig", an observation of a statistics table "Kommuner: 12
(Østfold, 2016)": never their IRIs, which name the project's files and line numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from .texts import text

if TYPE_CHECKING:
    from .views import Labeller

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
QB = "http://purl.org/linked-data/cube#"
SDMX_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
SDMX_UNIT = "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure"


def _value(node: object) -> str:
    return node.value if isinstance(node, ox.NamedNode | ox.BlankNode | ox.Literal) else str(node)


def composed_label(labels: Labeller, iri: str, lang: str) -> str | None:
    """The composed name of ``iri``, or None where it is none of the kinds named above."""
    k2 = labels.k2
    kinds = {_value(o) for o in labels.objects(iri, RDF_TYPE)}

    def names(predicate: str) -> list[str]:
        return sorted(labels.display(o.value, lang) for o in labels.objects(iri, predicate) if isinstance(o, ox.NamedNode))

    def values(predicate: str) -> list[str]:
        return [_value(o) for o in labels.objects(iri, predicate)]

    if k2 + "FundingFlow" in kinds:
        grantor = ", ".join(names(k2 + "grantor")) or text("not_stated", lang)
        recipient = ", ".join(names(k2 + "recipient")) or text("not_stated", lang)
        numbers = sorted(
            _value(n)
            for t in labels.objects(iri, k2 + "forTiltak")
            if isinstance(t, ox.NamedNode)
            for n in labels.objects(t.value, SKOS_NOTATION)
        )
        shown = text("flow_label", lang, grantor=grantor, recipient=recipient)
        return shown + (text("flow_for", lang, nr=", ".join(numbers)) if numbers else "")
    if k2 + "Figure" in kinds:
        value = " ".join([*values(k2 + "value")[:1], *names(k2 + "unit")[:1]]) or text("not_stated", lang)
        shown = text("figure_label", lang, quantity=(names(k2 + "quantity") or ["?"])[0].capitalize(), value=value)
        years = values(k2 + "year")
        return shown + (text("figure_year", lang, year=years[0]) if years else "")
    if k2 + "Continuation" in kinds:
        return f"{', '.join(names(k2 + 'fromTiltak')) or '?'} → {', '.join(names(k2 + 'toTiltak')) or '?'}"
    if k2 + "DirectStatement" in kinds:
        return f"{', '.join(names(k2 + 'statementSubject')) or '?'}: {', '.join(names(k2 + 'statementProperty')) or '?'}"
    if QB + "Observation" in kinds:
        value = " ".join([*values(SDMX_VALUE)[:1], *names(SDMX_UNIT)[:1]]) or text("not_stated", lang)
        statistic = (names(k2 + "statistic") or ["?"])[0].capitalize()
        dimensions = [
            labels.display(q.object.value, lang)
            for q in labels.raw.quads_for_pattern(ox.NamedNode(iri), None, None)
            if q.predicate.value.startswith(k2) and q.predicate.value != k2 + "statistic" and isinstance(q.object, ox.NamedNode)
        ]
        return f"{statistic}: {value}" + (f" ({', '.join(sorted(dimensions))})" if dimensions else "")
    if QB + "ComponentSpecification" in kinds:
        parts = [n for p in ("dimension", "measure", "attribute") for n in names(QB + p)]
        return text("component_label", lang, name=", ".join(parts) or "?")
    if QB + "DataStructureDefinition" in kinds:
        return text("structure_label", lang)
    return None
