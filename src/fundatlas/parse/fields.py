"""The ``fields`` layout: a title, then label/value rows, then the description.

Two renderings are known: ``-`` separator lines between rows after the site navigation, and
``•`` bullets with indented values and no navigation. A label may have no value (the next line
is the next label or a separator), and rows may be missing. Which field a label names comes from
the vocabulary; a label that names two fields (the Spanish "Tipo de proyecto" over both status
and type) is resolved by its value.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from fundatlas.model import BeneficiaryLine, RawField, RawPage, Span
from fundatlas.normalize.codes import coverage_code, region_code, status_code, type_code
from fundatlas.normalize.countries import segment_countries
from fundatlas.normalize.numbers import parse_amount, parse_year
from fundatlas.parse.lines import Line, sub_field
from fundatlas.vocab import Label, label_key, vocabulary

#: Label lines further apart than this (in lines) belong to different blocks.
MAX_GAP = 4
#: A line longer than this is never a label.
MAX_LABEL_LENGTH = 100
#: A title is never longer than this.
MAX_TITLE_LENGTH = 500
#: "Label value" on one line is only looked for in lines this short.
MAX_INLINE_LENGTH = 160
_ID = re.compile(r"^[A-Z0-9]{2,4}[.\-]?[A-Z0-9]{2,6}$")
YEAR_FIELDS = frozenset({"year", "start_year", "end_year"})
BENEFICIARY_FIELDS = frozenset({"beneficiaries", "non_eligible"})


class LabelLine(NamedTuple):
    line_index: int  # where the label line is in the page's lines
    label: Label
    text: str
    inline_value: RawField | None  # "Label: value" on one line
    key: str  # the folded label


@lru_cache(maxsize=65536)
def _label_of(content: str) -> tuple[Label, str, int | None] | None:
    """The label a line's content holds, its folded key, and where a value on the same line starts.

    The label stands alone (no value: None), as ``Label: value`` or as ``Label value`` with a typed
    value. Only for contents short enough to have a key (``MAX_KEY_LENGTH``); cached, as label lines
    recur from page to page.
    """
    key = label_key(content)
    if not key or key.partition(" ")[0].rstrip(":") not in _labels_by_first_word():
        return None
    labels = vocabulary().field_labels
    if len(content) <= MAX_LABEL_LENGTH:
        label = labels.get(key)
        if label is not None:
            return label, key, None
    colon = content.find(":")
    if 0 < colon <= MAX_LABEL_LENGTH:
        colon_key = label_key(content[:colon])
        label = labels.get(colon_key)
        if label is not None:
            return label, colon_key, colon + 1
    if len(content) <= MAX_INLINE_LENGTH:
        return _inline_label(content, key)
    return None


def _inline_label(content: str, folded: str) -> tuple[Label, str, int] | None:
    """``Start Date 2023`` on one line: accepted only when the value is of the label's kind."""
    first_word = folded.split(" ", 1)[0]
    for key in _labels_by_first_word().get(first_word, ()):
        if folded.startswith(key + " "):
            label = vocabulary().field_labels[key]
            value_start = _original_length(content, key)
            value = content[value_start:].strip(" \t|:")
            if value and _strictly_accepts(label.fields, value):
                return label, key, value_start
    return None


@cache
def _labels_by_first_word() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for key in vocabulary().field_labels:
        index.setdefault(key.split(" ", 1)[0], []).append(key)
    return {word: tuple(sorted(keys, key=len, reverse=True)) for word, keys in index.items()}


def _original_length(content: str, folded_prefix: str) -> int:
    """How many characters of ``content`` fold to ``folded_prefix`` (folding can change lengths)."""
    for end in range(max(len(folded_prefix) - 3, 1), min(len(folded_prefix) + 6, len(content)) + 1):
        if label_key(content[:end]) == folded_prefix:
            return end
    return len(folded_prefix)


def _strictly_accepts(fields: frozenset[str], value: str) -> bool:
    """A value that can only be of these fields: a year, an amount, a coded word, an ID, countries."""
    if fields & YEAR_FIELDS:
        return parse_year(value) is not None and len(value) <= 12
    if "budget_usd" in fields:
        return parse_amount(value) is not None and len(value) <= 40
    if "status" in fields and status_code(value):
        return True
    if "coverage" in fields:
        return coverage_code(value) is not None
    if "idf_region" in fields:
        return region_code(value) is not None
    if fields & {"project_id", "prima_id"}:
        return _ID.match(value) is not None
    if fields & BENEFICIARY_FIELDS:
        return _countries_only(value)
    if "project_type" in fields:
        return type_code(value) is not None
    return False


def label_lines(lines: list[Line]) -> list[LabelLine]:
    found = []
    for index, line in enumerate(lines):
        hit = _label_of(line.content) if line.key else None
        if hit is not None:
            label, key, value_start = hit
            inline_value = sub_field(line, value_start) if value_start is not None else None
            found.append(LabelLine(index, label, line.content, inline_value, key))
    return found


def best_block(found: list[LabelLine], lines: list[Line] | None = None) -> list[LabelLine]:
    """The run of nearby label lines that names the most distinct fields (at least two).

    A lone label of two words or more also makes a block when the page ends right after it
    (and its value): a page cut short after its first row.
    """
    blocks: list[list[LabelLine]] = []
    for item in found:
        if blocks and item.line_index - blocks[-1][-1].line_index <= MAX_GAP:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    best: list[LabelLine] = []
    best_count = 1
    for block in blocks:
        count = len({f for item in block for f in item.label.fields})
        if count > best_count:
            best, best_count = block, count
    if not best and blocks and lines is not None:
        last = blocks[-1][-1]
        rest = [line for line in lines[last.line_index + 1 :] if line.content]  # separators have no content
        if len(blocks[-1]) == 1 and " " in last.key and len(rest) <= 1:
            return blocks[-1]
    return best


def _value_candidate(label_line: Line, candidate: Line) -> tuple[bool, bool]:
    """Whether ``candidate`` can hold the label's value, and whether only weakly so.

    In the bullet rendering values are indented continuation lines: a bullet is the next label,
    and an unindented line is only taken when its value is of the right kind.
    """
    if not candidate.content:  # a blank line or a lone separator
        return False, False
    if label_line.bullet:
        return not candidate.bullet, candidate.indent == 0
    return not candidate.bullet, False


def _looks_like_prose(value: str) -> bool:
    return len(value) > 120 or value.count(" ") > 15 or value.endswith((".", "!", "?"))


def _countries_only(value: str) -> bool:
    matches, leftovers = segment_countries(value)
    return bool(matches) and not leftovers


def _accepts(fields: frozenset[str], value: str) -> bool:
    """Whether ``value`` can be the value of a label naming ``fields`` (used to tell a missing value)."""
    if fields & YEAR_FIELDS:
        return parse_year(value) is not None and len(value) < 40
    if "budget_usd" in fields:
        return parse_amount(value) is not None and len(value) < 80
    if not fields.isdisjoint(BENEFICIARY_FIELDS):
        matches, leftovers = segment_countries(value)
        leftover_words = sum(len(word.split()) for word in leftovers)
        if matches:
            return leftover_words <= max(1, len(matches) // 2)
        return not _looks_like_prose(value)
    if fields & {"project_id", "prima_id"}:
        return len(value) <= 40 and value.count(" ") <= 2
    return not _looks_like_prose(value) or len(value) <= 200


def parse_fields(lines: list[Line], page: RawPage, title_hint: str | None = None, before: int | None = None) -> bool:
    """Read the ``fields`` layout into ``page``; False when the page has no field block.

    With ``before``, only label lines above that line index count.
    """
    usable = lines[:before] if before is not None else lines
    block = best_block(label_lines(usable), usable)
    if not block:
        return False
    page.layout = "fields"
    page.labels.extend(item.key for item in block)
    label_indexes = {item.line_index for item in block}
    # Where in the block each label (one object per spelling) is used for the last time.
    last_use = {id(item.label): position for position, item in enumerate(block)}
    last_line = block[0].line_index
    final_position = len(block) - 1
    for position, item in enumerate(block):
        line_index = item.line_index
        line = lines[line_index]
        fields = item.label.fields
        values: list[RawField] = []
        consumed = line_index
        if item.inline_value is not None:
            values.append(item.inline_value)
        elif line_index + 1 < len(lines) and line_index + 1 not in label_indexes:
            candidate = lines[line_index + 1]
            possible, weak = _value_candidate(line, candidate)
            is_last = position == final_position
            if possible and ((not is_last and not weak) or _accepts(fields, candidate.content)):
                values.append(candidate.field())
                consumed = line_index + 1
        if values and not fields.isdisjoint(BENEFICIARY_FIELDS):
            # Countries may continue on the next lines (one per line in some renderings).
            nxt = consumed + 1
            while (
                nxt < len(lines)
                and nxt not in label_indexes
                and _value_candidate(line, lines[nxt])[0]
                and len(lines[nxt].content) <= 80
                and _countries_only(lines[nxt].content)
            ):
                values.append(lines[nxt].field())
                consumed = nxt
                nxt += 1
        if consumed > last_line:
            last_line = consumed
        _store(page, item, values, last_use[id(item.label)] > position)
    _find_title(lines, block[0].line_index, page, title_hint)
    find_description(lines, last_line + 1, page)
    if "description" not in page.fields and (
        last_line == block[-1].line_index or not any("beneficiaries" in item.label.fields for item in block)
    ):
        page.warnings.append("the page ends inside the field block: it may be cut short")
    return True


def _resolve(fields: frozenset[str], value: str, page: RawPage, later_same_label: bool) -> str:
    """Which field an ambiguous label names, from its value (ES "Tipo de proyecto": status or type).

    A status word is the status, a known type is the type; otherwise the first of two such rows
    is the status (as on the Spanish pages) and a lone row is the type.
    """
    others = sorted(fields - {"status"})
    if "status" not in fields:
        return others[0]
    if status_code(value):
        return "status"
    if type_code(value) or not later_same_label or "status" in page.fields:
        return others[0] if others else "status"
    return "status"


def _store(page: RawPage, item: LabelLine, values: list[RawField], later_same_label: bool = False) -> None:
    fields = item.label.fields
    if not values:
        return
    if not fields.isdisjoint(BENEFICIARY_FIELDS):
        eligible = "non_eligible" not in fields
        page.beneficiary_lines.extend(BeneficiaryLine(value, eligible) for value in values)
        return
    value = values[0]
    name = _resolve(fields, value.value, page, later_same_label) if len(fields) > 1 else next(iter(fields))
    if name in page.fields:
        if page.fields[name].value != value.value:
            page.warnings.append(
                f"label {item.text!r} appears twice with different values: "
                f"kept {page.fields[name].value!r}, not {value.value!r}"
            )
        return
    page.fields[name] = value


def _find_title(lines: list[Line], first_label: int, page: RawPage, title_hint: str | None) -> None:
    """The title is the text line just above the field block (navigation lines excepted)."""
    vocab = vocabulary()
    if title_hint:
        for index in range(first_label - 1, -1, -1):
            if lines[index].content == title_hint:
                page.fields["title"] = lines[index].field()
                return
    for index in range(first_label - 1, -1, -1):
        line = lines[index]
        if not line.content:  # a blank line or a lone separator
            continue
        if line.bullet or len(line.content) > MAX_TITLE_LENGTH or line.key in vocab.not_title:
            return
        page.fields["title"] = line.field()
        return


def find_description(lines: list[Line], begin: int, page: RawPage) -> None:
    content = [line for line in lines[begin:] if line.content]
    if content:
        start, end = content[0].start, content[-1].end
        text = "\n".join(f"- {line.content}" if line.bullet else line.content for line in content)
        page.fields["description"] = RawField(text, Span(start, end))
