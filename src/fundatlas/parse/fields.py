"""The ``fields`` layout: a title, then label/value rows, then the description.

Two renderings are known: ``-`` separator lines between rows after the site navigation, and
``•`` bullets with indented values and no navigation. A label may have no value (the next line
is the next label or a separator), and rows may be missing. Which field a label names comes from
the vocabulary; a label that names two fields (the Spanish "Tipo de proyecto" over both status
and type) is resolved by its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

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


@dataclass(frozen=True, slots=True)
class LabelLine:
    index: int
    label: Label
    text: str
    inline_value: RawField | None  # "Label: value" on one line
    key: str  # the folded label


def find_label(line: Line) -> tuple[Label, RawField | None, str] | None:
    """The label a line holds: alone, as ``Label: value``, or as ``Label value`` with a typed value."""
    content = line.content
    if not content or len(content) > 300:
        return None
    labels = vocabulary().field_labels
    if len(content) <= MAX_LABEL_LENGTH:
        label = labels.get(line.key)
        if label is not None:
            return label, None, line.key
    colon = content.find(":")
    if 0 < colon <= MAX_LABEL_LENGTH:
        key = label_key(content[:colon])
        label = labels.get(key)
        if label is not None:
            return label, sub_field(line, colon + 1), key
    if len(content) <= MAX_INLINE_LENGTH:
        return _inline_label(line)
    return None


def _inline_label(line: Line) -> tuple[Label, RawField | None, str] | None:
    """``Start Date 2023`` on one line: accepted only when the value is of the label's kind."""
    folded = line.key
    first_word = folded.split(" ", 1)[0]
    for key in _labels_by_first_word().get(first_word, ()):
        if folded.startswith(key + " "):
            label = vocabulary().field_labels[key]
            value = sub_field(line, _original_length(line.content, key))
            if value is not None and _strictly_accepts(label.fields, value.value):
                return label, value, key
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
    first_words = _labels_by_first_word()
    for index, line in enumerate(lines):
        key = line.key
        if not key or key.partition(" ")[0].rstrip(":") not in first_words:
            continue
        hit = find_label(line)
        if hit is not None:
            found.append(LabelLine(index, hit[0], line.content, hit[1], hit[2]))
    return found


def best_block(found: list[LabelLine], lines: list[Line] | None = None) -> list[LabelLine]:
    """The run of nearby label lines that names the most distinct fields (at least two).

    A lone label of two words or more also makes a block when the page ends right after it
    (and its value): a page cut short after its first row.
    """
    blocks: list[list[LabelLine]] = []
    for item in found:
        if blocks and item.index - blocks[-1][-1].index <= MAX_GAP:
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
        rest = [line for line in lines[last.index + 1 :] if line.content and not line.is_separator]
        if len(blocks[-1]) == 1 and " " in last.key and len(rest) <= 1:
            return blocks[-1]
    return best


def _value_candidate(label_line: Line, candidate: Line) -> tuple[bool, bool]:
    """Whether ``candidate`` can hold the label's value, and whether only weakly so.

    In the bullet rendering values are indented continuation lines: a bullet is the next label,
    and an unindented line is only taken when its value is of the right kind.
    """
    if candidate.is_blank or candidate.is_separator:
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
    if fields & BENEFICIARY_FIELDS:
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
    label_indexes = {item.index for item in block}
    last_line = block[0].index
    for position, item in enumerate(block):
        is_last = position == len(block) - 1
        line = lines[item.index]
        values: list[RawField] = []
        if item.inline_value is not None:
            values.append(item.inline_value)
            consumed = item.index
        else:
            consumed = item.index
            nxt = item.index + 1
            possible, weak = _value_candidate(line, lines[nxt]) if nxt < len(lines) else (False, False)
            if possible and nxt not in label_indexes:
                candidate = lines[nxt]
                if (not is_last and not weak) or _accepts(item.label.fields, candidate.content):
                    values.append(candidate.field())
                    consumed = nxt
        if values and item.label.fields & BENEFICIARY_FIELDS:
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
        last_line = max(last_line, consumed)
        later = any(other.label is item.label for other in block[position + 1 :])
        _store(page, item, values, later)
    _find_title(lines, block[0].index, page, title_hint)
    find_description(lines, last_line + 1, page)
    if "description" not in page.fields and (
        last_line == block[-1].index or not any("beneficiaries" in item.label.fields for item in block)
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
    if fields & BENEFICIARY_FIELDS:
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
        if line.is_blank or line.is_separator:
            continue
        if line.bullet or len(line.content) > MAX_TITLE_LENGTH or line.key in vocab.not_title:
            return
        page.fields["title"] = line.field()
        return


def find_description(lines: list[Line], begin: int, page: RawPage) -> None:
    content = [line for line in lines[begin:] if not line.is_blank]
    if content:
        start, end = content[0].start, content[-1].end
        text = "\n".join(f"- {line.content}" if line.bullet else line.content for line in content)
        page.fields["description"] = RawField(text, Span(start, end))
