"""The HTTP front end: SPARQL 1.1 endpoint, canned-query API and linked-data site (FastAPI).

Its dependencies are the ``server`` extra. ``create_app`` builds an application over a loaded
:class:`~k2020graph.loading.KnowledgeGraph` (or a store); ``run`` is what ``k2020graph serve`` calls.
"""

from .app import Settings, create_app, run

__all__ = ["Settings", "create_app", "run"]
