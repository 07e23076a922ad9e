"""The ``values`` layout of the old developmentfund.iom.int pages: no labels at all.

After the site menu the title appears (often twice), then one value per line: IDF region,
project ID, amount ("150,000"), the beneficiary countries (one or more lines), project type,
coverage, status, then the description. Each line is recognised by what it holds, so a missing
or reordered line does not shift the others.
"""

from __future__ import annotations

import re

from fundatlas.model import BeneficiaryLine, RawPage
from fundatlas.normalize.codes import coverage_code, region_code, status_code
from fundatlas.normalize.countries import segment_countries
from fundatlas.parse.fields import find_description
from fundatlas.parse.lines import Line

PROJECT_ID = re.compile(r"^(?:[A-Z]{2}\.\d{3,5}|[A-Z0-9]{3}-\d{3})$")
_AMOUNT_LINE = re.compile(r"^(?:USD|US\$|\$)?\s*\d[\d,.\s\u00a0]*(?:\s*(?:USD|US\$|\$|dollars?))?$", re.I)
#: How many lines after the project ID may hold values.
MAX_VALUE_LINES = 12


def _find_anchor(lines: list[Line]) -> int | None:
    """Index of the first value line (the IDF region, else the project ID) after the title."""
    for index, line in enumerate(lines):
        content = line.content
        if line.bullet or not content:
            continue
        following = _next_content(lines, index)
        if (
            region_code(content)
            and following is not None
            and (PROJECT_ID.match(following.content) or _AMOUNT_LINE.match(following.content))
        ):
            return index
        if PROJECT_ID.match(content):
            before = [lines[i].content for i in range(max(index - 3, 0), index) if lines[i].content]
            if len(before) >= 2 and before[-1] == before[-2]:
                return index
    return None


def _next_content(lines: list[Line], index: int) -> Line | None:
    for line in lines[index + 1 : index + 3]:
        if line.content:
            return line
    return None


def parse_values(lines: list[Line], page: RawPage) -> bool:
    anchor = _find_anchor(lines)
    if anchor is None:
        return False
    page.layout = "values"
    above = [i for i in range(anchor - 1, -1, -1) if lines[i].content][:1]
    if above and not lines[above[0]].bullet and len(lines[above[0]].content) <= 500:
        page.fields["title"] = lines[above[0]].field()
    index = anchor
    end = min(len(lines), anchor + MAX_VALUE_LINES)
    while index < end:
        line = lines[index]
        content = line.content
        if not content:
            index += 1
            continue
        if index == anchor and region_code(content):
            page.fields["idf_region"] = line.field()
        elif "project_id" not in page.fields and PROJECT_ID.match(content):
            page.fields["project_id"] = line.field()
        elif "budget_usd" not in page.fields and _AMOUNT_LINE.match(content):
            page.fields["budget_usd"] = line.field()
        elif coverage_code(content) and "coverage" not in page.fields:
            page.fields["coverage"] = line.field()
        elif status_code(content) and "status" not in page.fields:
            page.fields["status"] = line.field()
        elif "project_type" not in page.fields and _is_countries(content):
            page.beneficiary_lines.append(BeneficiaryLine(line.field(), True))
        elif "project_type" not in page.fields and "coverage" not in page.fields and len(content) <= 150:
            page.fields["project_type"] = line.field()
        else:
            break
        index += 1
        if "status" in page.fields and "coverage" in page.fields:
            break
    find_description(lines, index, page)
    return True


def _is_countries(content: str) -> bool:
    if len(content) > 200:
        return False
    matches, leftovers = segment_countries(content)
    return bool(matches) and not leftovers
