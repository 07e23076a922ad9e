"""The browse page's whole state lives in its query string: q, filters (repeatable), sort, page.

``parse_state`` turns query parameters into validated ``SearchFilters`` and ``Page`` (raising
``QueryError`` with a message a reader can act on); ``BrowseState`` writes them back as parameters
in one canonical order, so a search can be shared, bookmarked and reloaded as it was. The filter
parameters are named like ``SearchFilters``' fields, the same names ``/api/export/{format}`` takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fundatlas.query import Page, QueryError, SearchFilters

__all__ = ["LIST_FILTERS", "BrowseState", "filter_params", "parse_state", "url"]

#: Repeatable filters (``?idf_region=africa&idf_region=asia_oceania``); "any of".
LIST_FILTERS = ("idf_region", "project_type", "status", "coverage", "country")
_INT_FILTERS = ("year_from", "year_to")
_FLOAT_FILTERS = ("budget_min", "budget_max")
PER_PAGE = 20

Params = list[tuple[str, str]]


def url(path: str, params: Iterable[tuple[str, str]] = (), lang: str | None = None) -> str:
    """``path?params&lang=..``: every internal link keeps the page language."""
    pairs = [(name, value) for name, value in params if value != ""]
    if lang is not None:
        pairs.append(("lang", lang))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _number(name: str, raw: str, kind: type[int] | type[float]) -> int | float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise QueryError(f"{name}: {raw!r} is not a number") from None


def parse_state(params: Iterable[tuple[str, str]]) -> BrowseState:
    """Query parameters (as ``request.query_params.multi_items()``) -> a validated state."""
    lists: dict[str, list[str]] = {name: [] for name in LIST_FILTERS}
    scalars: dict[str, Any] = {}
    sort, page_number, per_page = "relevance", 1, PER_PAGE
    for name, raw in params:
        if name in lists:
            lists[name].extend(v.strip() for v in raw.split(",") if v.strip())
        elif name == "q":
            scalars["q"] = raw.strip() or None
        elif name in _INT_FILTERS:
            scalars[name] = _number(name, raw, int)
        elif name in _FLOAT_FILTERS:
            scalars[name] = _number(name, raw, float)
        elif name == "has_findings":
            scalars[name] = raw.strip() or None
        elif name == "sort":
            sort = raw.strip() or "relevance"
        elif name == "page":
            number = _number(name, raw, int)
            page_number = 1 if number is None else int(number)
        elif name == "per_page":
            number = _number(name, raw, int)
            per_page = PER_PAGE if number is None else int(number)
    chosen: dict[str, Any] = {name: tuple(dict.fromkeys(values)) for name, values in lists.items()}
    filters = SearchFilters(**chosen, **scalars)
    if sort == "relevance" and not filters.q:
        sort = "-year"
    return BrowseState(filters, Page(sort=sort, page=page_number, per_page=per_page))


def filter_params(filters: SearchFilters) -> Params:
    """The filters as query parameters, in a fixed order (``lang``, a content filter, is left out:
    in the dashboard's URLs ``lang`` is the page language)."""
    pairs: Params = []
    if filters.q:
        pairs.append(("q", filters.q))
    for name in LIST_FILTERS:
        pairs.extend((name, value) for value in getattr(filters, name))
    for name in (*_INT_FILTERS, *_FLOAT_FILTERS, "has_findings"):
        value = getattr(filters, name)
        if value is not None:
            pairs.append((name, _plain(value)))
    return pairs


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class BrowseState:
    filters: SearchFilters
    page: Page

    def params(self, *, page: int | None = None, sort: str | None = None) -> Params:
        """Canonical parameters, with page 1 and the default sort left out."""
        pairs = filter_params(self.filters)
        chosen_sort = sort or self.page.sort
        if chosen_sort != self.default_sort:
            pairs.append(("sort", chosen_sort))
        number = page or self.page.page
        if number != 1:
            pairs.append(("page", str(number)))
        if self.page.per_page != PER_PAGE:
            pairs.append(("per_page", str(self.page.per_page)))
        return pairs

    @property
    def default_sort(self) -> str:
        return "relevance" if self.filters.q else "-year"

    def with_filters(self, filters: SearchFilters) -> BrowseState:
        """New filters, back to page 1 (a sort by relevance needs a query)."""
        sort = self.page.sort
        if sort == "relevance" and not filters.q:
            sort = "-year"
        return BrowseState(filters, Page(sort=sort, page=1, per_page=self.page.per_page))

    def selected(self, facet: str, value: object) -> bool:
        filters = self.filters
        if facet == "year":
            return filters.year_from == value and filters.year_to == value
        if facet == "has_findings":
            return filters.has_findings == value
        return value in getattr(filters, facet)

    def toggled(self, facet: str, value: object) -> BrowseState:
        """The state with one facet value added, or removed when it was already selected."""
        filters = self.filters
        if facet == "year":
            year = value if isinstance(value, int) else None
            same = self.selected("year", value)
            return self.with_filters(replace(filters, year_from=None if same else year, year_to=None if same else year))
        if facet == "has_findings":
            chosen = None if self.selected(facet, value) else str(value)
            return self.with_filters(replace(filters, has_findings=chosen))
        values: Sequence[str] = getattr(filters, facet)
        text = str(value)
        new_values = tuple(v for v in values if v != text) if text in values else (*values, text)
        changes: dict[str, Any] = {facet: new_values}
        return self.with_filters(replace(filters, **changes))

    def cleared(self, name: str) -> BrowseState:
        """The state without one filter (``year`` clears both year bounds, ``budget`` both amounts)."""
        if name == "year":
            return self.with_filters(replace(self.filters, year_from=None, year_to=None))
        if name == "budget":
            return self.with_filters(replace(self.filters, budget_min=None, budget_max=None))
        changes: dict[str, Any] = {name: () if name in LIST_FILTERS else None}
        return self.with_filters(replace(self.filters, **changes))
