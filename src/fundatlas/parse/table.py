"""The ``table`` layout: a closing "INFORMATIONS SUR LE PROJET | MISSION: ... | CODE: ..." table.

Rows are ``LABEL: value`` (the value may sit in the next cell). The beneficiary row holds groups
introduced by sub-labels ("États Membres Remplissant Les Conditions Requises: A, B; États Membres
Ne Remplissant Pas Les Conditions Requises: C"), which say whether the states are eligible.
"""

from __future__ import annotations

from functools import cache

from fundatlas.model import BeneficiaryLine, RawField, RawPage, Span
from fundatlas.normalize.countries import segment_countries
from fundatlas.parse.lines import Line, sub_field
from fundatlas.text import fold
from fundatlas.vocab import vocabulary

#: Lines of a table that carry no text ("---|", "|").
_RULE_CHARS = frozenset("-|=+: \t")


def find_header(lines: list[Line]) -> tuple[int, str] | None:
    """Index and language of the table's header line."""
    headers = vocabulary().table_headers
    first_letters = _header_first_letters()
    for index, line in enumerate(lines):
        key = line.key
        if key and key[0] in first_letters and len(key) <= 80:
            lang = headers.get(key.strip(" |"))
            if lang is not None:
                return index, lang
    return None


@cache
def _header_first_letters() -> frozenset[str]:
    return frozenset(header[0] for header in vocabulary().table_headers)


def _match_label(content: str) -> tuple[str, int] | None:
    """The field a row names and where its label ends in ``content``."""
    folded = fold(content)
    for label, name, _lang in vocabulary().table_labels:
        if folded.startswith(label) and (len(folded) == len(label) or not folded[len(label)].isalnum()):
            return name, _original_end(content, label)
    return None


def _original_end(content: str, label: str) -> int:
    """Where a folded label ends in the original text (folding can change lengths)."""
    for end in range(max(len(label) - 3, 1), min(len(label) + 6, len(content)) + 1):
        if fold(content[:end]) == label:
            return end
    return len(label)


def parse_table(
    lines: list[Line],
    page: RawPage,
    header: tuple[int, str] | None,
    *,
    fill_only: bool = False,
    title_hint: str | None = None,
) -> bool:
    """Read the table layout below ``header`` into ``page``; with ``fill_only`` keep fields already read."""
    if header is None:
        return False
    header_index = header[0]
    page.labels.append(lines[header_index].key.strip(" |"))
    if not fill_only:
        page.layout = "table"
    found_any = False
    current: str | None = None
    eligible = True
    for line in lines[header_index + 1 :]:
        content = line.content
        if not content or set(content) <= _RULE_CHARS:
            continue
        hit = _match_label(content)
        if hit is None:
            if current == "beneficiaries" and _countries_line(content):
                page.beneficiary_lines.append(BeneficiaryLine(line.field(), eligible))
            continue
        name, label_end = hit
        current = name
        found_any = True
        if name == "beneficiaries":
            if fill_only and page.beneficiary_lines:
                continue
            eligible = _read_beneficiaries(line, label_end, page)
            continue
        if fill_only and name in page.fields:
            continue
        colon = content.find(":", label_end)
        begin = colon + 1 if colon >= 0 and not content[label_end:colon].strip(" |\t") else label_end
        value = sub_field(line, begin)
        if value is not None:
            page.fields.setdefault(name, value)
    if not fill_only:
        _title_and_description(lines, header_index, page, title_hint)
    return found_any or not fill_only


def _countries_line(content: str) -> bool:
    matches, leftovers = segment_countries(content.strip(" |"))
    return bool(matches) and not leftovers


def _read_beneficiaries(line: Line, label_end: int, page: RawPage) -> bool:
    """Split the row into eligible / non-eligible groups; returns the flag of the last group."""
    content = line.content
    phrases = vocabulary().not_eligible_phrases
    position = label_end
    eligible = True
    while position < len(content):
        colon = content.find(":", position)
        if colon < 0:
            value = sub_field(line, position)
            if value is not None:
                page.beneficiary_lines.append(BeneficiaryLine(value, eligible))
            break
        sub_label = fold(content[position:colon])
        eligible = not any(phrase in sub_label for phrase in phrases)
        next_colon = content.find(":", colon + 1)
        if next_colon < 0:
            names_end = len(content)
        else:
            names_end = max(content.rfind(";", colon + 1, next_colon), content.rfind("|", colon + 1, next_colon))
            if names_end < 0:
                names_end = content.rfind(",", colon + 1, next_colon)
            if names_end < 0:
                names_end = next_colon
        value = sub_field(line, colon + 1, names_end)
        if value is not None:
            page.beneficiary_lines.append(BeneficiaryLine(value, eligible))
        position = names_end + 1
    return eligible


def _title_and_description(lines: list[Line], header_index: int, page: RawPage, title_hint: str | None) -> None:
    """Title: the first line after the site navigation, unless it is a section heading.

    Description: the text after the "About the project" heading when there is one, else the
    text above the table; section headings are left out.
    """
    vocab = vocabulary()
    begin = 0
    for index in range(header_index):
        if lines[index].key in vocab.not_title:
            begin = index + 1
    body = [line for line in lines[begin:header_index] if not line.is_blank and not line.is_separator]
    if not body:
        return
    if title_hint:  # HTML: the page's <h1>, wherever it sits above the table
        for position, line in enumerate(body):
            if line.content == title_hint:
                page.fields.setdefault("title", line.field())
                body = body[position + 1 :]
                break
    first = body[0] if body and "title" not in page.fields else None
    if first is not None and first.key not in vocab.section_headings and not first.bullet and len(first.content) <= 500:
        page.fields["title"] = first.field()
        body = body[1:]
    keys = [line.key for line in body]
    about = [i for i, key in enumerate(keys) if key in vocab.description_headings]
    if about:
        body, keys = body[about[0] + 1 :], keys[about[0] + 1 :]
    text_lines = [line for line, key in zip(body, keys, strict=True) if key not in vocab.section_headings]
    if text_lines:
        text = "\n".join(f"- {line.content}" if line.bullet else line.content for line in text_lines)
        page.fields.setdefault("description", RawField(text, Span(text_lines[0].start, text_lines[-1].end)))
