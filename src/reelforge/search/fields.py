"""What a record's fields are for, per the request's ``field_options``, and the structured filters over them.

``field_options`` maps dot paths (``owner.email``) to ``{searchable, filterable, retrievable}``; a record may also
wrap a value inline as ``{"value": ..., "searchable": ..., ...}``. Without options, string fields are searchable,
scalars are filterable and everything is retrievable. Filters are exact: ``{"city": "Dallas"}`` (equality,
case-insensitive for text), ``{"price": {"min": 1, "max": 2500}}`` (inclusive range), ``{"city": ["A", "B"]}``
(any of). ``search_params`` keys that are not filterable fields are ignored (as the hosted API does);
``structured_filters`` are always applied, so a record without the field never matches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reelforge.core.errors import BadRequest

_OPTION_KEYS = ("searchable", "filterable", "retrievable")
ID_KEYS = ("id", "source_id", "_id")


@dataclass(frozen=True)
class FieldRule:
    searchable: bool | None = None
    filterable: bool | None = None
    retrievable: bool | None = None


@dataclass
class PreparedRecord:
    source_id: str
    text: str
    filters: dict[str, Any]
    payload: dict[str, Any]


def _is_wrapper(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= {"value", *_OPTION_KEYS}


def _leaves(obj: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any, FieldRule | None]]:
    """Every leaf as (dot path, value, inline rule); inline wrappers end the descent."""
    for key, value in obj.items():
        path = f"{prefix}{key}"
        if _is_wrapper(value):
            yield path, value["value"], FieldRule(*(value.get(k) for k in _OPTION_KEYS))
        elif isinstance(value, dict):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value, None


def parse_field_options(raw: Mapping[str, Any] | None) -> dict[str, FieldRule]:
    rules: dict[str, FieldRule] = {}
    for path, opts in (raw or {}).items():
        if not isinstance(opts, Mapping):
            raise BadRequest(f"field_options.{path} must be an object.", field=f"field_options.{path}")
        rules[str(path)] = FieldRule(*(opts.get(k) for k in _OPTION_KEYS))
    return rules


def _rule_for(path: str, rules: Mapping[str, FieldRule]) -> FieldRule:
    """The most specific rule: an option on ``owner`` covers ``owner.email`` unless that has its own."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        rule = rules.get(".".join(parts[:end]))
        if rule is not None:
            return rule
    return FieldRule()


def _set_path(out: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def prepare_record(record: Mapping[str, Any], rules: Mapping[str, FieldRule], fallback_id: str) -> PreparedRecord:
    if not isinstance(record, Mapping):
        raise BadRequest("each record must be a JSON object.", field="records")
    explicit_searchable = any(r.searchable for r in rules.values())
    source_id = next((str(record[k]) for k in ID_KEYS if record.get(k) not in (None, "")), fallback_id)
    texts: list[str] = []
    filters: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    for path, value, inline in _leaves(record):
        rule = inline or _rule_for(path, rules)
        is_scalar = isinstance(value, str | int | float | bool) or value is None
        searchable = rule.searchable if rule.searchable is not None else (
            not explicit_searchable and isinstance(value, str) and path not in ID_KEYS)
        if searchable and value not in (None, ""):
            texts.append(str(value) if is_scalar else " ".join(map(str, value)))
        if rule.filterable is not False and is_scalar and value is not None:
            filters[path] = value
        if rule.retrievable is not False:
            _set_path(payload, path, value)
    return PreparedRecord(source_id, "\n".join(texts), filters, payload)


# -- filters ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    path: str
    equals: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    ranged: bool = False

    def matches(self, value: Any) -> bool:
        """The reference semantics; the indexes evaluate the same rule in bulk and tests compare against this."""
        if value is None:
            return False
        if self.ranged:
            num = as_number(value)
            return num is not None and (self.minimum is None or num >= self.minimum) and (
                self.maximum is None or num <= self.maximum)
        return normalise(value) in {normalise(v) for v in self.equals}


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def normalise(value: Any) -> str:
    """Equality key: numbers compare by value (``2500`` == ``"2500"``), text case-insensitively."""
    num = as_number(value)
    if num is not None:
        return repr(num)
    return str(value).strip().casefold()


def _condition(path: str, spec: Any) -> Condition:
    where = f"filter {path}"
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"min", "max", "gte", "lte"}
        if unknown:
            raise BadRequest(f"{where}: unknown range keys {sorted(unknown)}; use min/max.", field=path)
        lo, hi = spec.get("min", spec.get("gte")), spec.get("max", spec.get("lte"))
        bounds = [as_number(b) if b is not None else None for b in (lo, hi)]
        if any(b is None and raw is not None for b, raw in zip(bounds, (lo, hi), strict=True)):
            raise BadRequest(f"{where}: min/max must be numbers.", field=path)
        return Condition(path, minimum=bounds[0], maximum=bounds[1], ranged=True)
    if isinstance(spec, list | tuple):
        if not spec:
            raise BadRequest(f"{where}: an empty list matches nothing.", field=path)
        return Condition(path, equals=tuple(spec))
    return Condition(path, equals=(spec,))


@dataclass
class FilterSet:
    conditions: list[Condition] = field(default_factory=list)

    def matches(self, filters: Mapping[str, Any]) -> bool:
        return all(c.matches(filters.get(c.path)) for c in self.conditions)


def _flatten(params: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in params.items():
        path = f"{prefix}{key}"
        is_range = isinstance(value, Mapping) and set(value) & {"min", "max", "gte", "lte"}
        if isinstance(value, Mapping) and not is_range:
            yield from _flatten(value, f"{path}.")
        else:
            yield path, value


def build_filters(search_params: Mapping[str, Any] | None, structured_filters: Mapping[str, Any] | None,
                  filterable: set[str]) -> FilterSet:
    conditions = [_condition(p, v) for p, v in _flatten(search_params or {}) if p in filterable and v is not None]
    conditions += [_condition(p, v) for p, v in _flatten(structured_filters or {})]
    return FilterSet(conditions)
