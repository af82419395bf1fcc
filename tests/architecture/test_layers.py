"""The layering docs/architecture.md describes, checked on the source."""

from __future__ import annotations

import re

import pytest
from import_graph import PACKAGE, cycles, graph

# Below the job layer: what a stage may build on, and what builds on nothing of ours above it.
DOMAIN = ("core", "db", "storage", "imaging", "render", "providers", "text", "sessions", "search")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("jobs", ("api", "cli")),
        ("pipeline", ("api", "cli")),
        ("stages", ("api", "cli", "pipeline")),
        *((domain, ("api", "cli", "pipeline", "jobs", "stages")) for domain in DOMAIN),
    ],
)
def test_layer_imports_only_below_it(layer: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(
        f"{module} -> {dep}"
        for module, deps in graph().items()
        if _layer(module) == layer
        for dep in deps
        if _layer(dep) in forbidden
    )
    assert bad == []


def test_stages_import_no_kind_and_no_catalogue() -> None:
    """A stage may read a kind's input model (``jobs.video.job``); it never dispatches on kinds."""
    bad = sorted(
        f"{module} -> {dep}"
        for module, deps in graph().items()
        if _layer(module) == "stages"
        for dep in deps
        if _layer(dep) == "jobs" and dep != "reelforge.jobs.video.job"
    )
    assert bad == []


def test_client_needs_no_server_module() -> None:
    """At import time; ``client.local`` starts an embedded server lazily, behind the install hint."""
    allowed = {"reelforge", "reelforge.extras", "reelforge.standard_webhooks"}
    bad = sorted(
        f"{module} -> {dep}"
        for module, deps in graph(module_level_only=True).items()
        if _layer(module) == "client"
        for dep in deps
        if _layer(dep) != "client" and dep not in allowed
    )
    assert bad == []


# Job data is typed end to end: stages get typed arguments, never the stored dicts.
UNTYPED_READ = re.compile(r"\bctx\.input\b|\.input\[|\.input\.get\(|outputs\[\"|outputs\.get\(\"|\bopts\b")


def test_stages_read_no_job_data_by_string_key() -> None:
    hits = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((PACKAGE / "stages").glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if UNTYPED_READ.search(line)
    ]
    assert hits == []


def test_routers_hold_no_prices_or_plans() -> None:
    """Routes validate and call ``submit(kind, body)``: prices, plans and job specs live in ``jobs/``."""
    pattern = re.compile(r"JobSpec\(|\.prices\.route\(|per_second\(|Plan\b|\bplan=")
    hits = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((PACKAGE / "api").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
