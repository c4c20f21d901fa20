"""k2020graph: the Kompetanseløft 2020 knowledge graph, its validation, queries and exports."""

__version__ = "0.1.0"
