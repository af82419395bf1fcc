"""Kinds of work: one module per kind declares its typed input, plan, price, id prefix and case
type (:class:`jobs.base.JobKind`). Routes validate and call ``submit(kind, body)``; the engine finds
a request's kind by its case type (:mod:`jobs.catalog`) and runs the kind's stages.

Importing this package imports nothing else, so ``stages/`` and ``pipeline/`` can import
``jobs.base`` without pulling every kind in; :func:`jobs.catalog.kind` loads them on first use.
"""
