"""SOQL errors in Salesforce's words, with the caret block real orgs send (§3).

A positioned error message reads::

    \\nSELECT Foo FROM Lead\\n       ^\\nERROR at Row:1:Column:8\\nNo such column 'Foo' on ...

Row and column are 1-based; the line shown is the query line holding the offending token.
"""

from __future__ import annotations

from ..errors import SalesforceError


class SoqlError(SalesforceError):
    """A 400 about a query, with the 1-based row and column of the offending token."""

    def __init__(self, code: str, message: str, row: int, column: int) -> None:
        super().__init__(400, code, message)
        self.row = row
        self.column = column


def soql_error(code: str, text: str, offset: int, detail: str) -> SoqlError:
    """A positioned error at character ``offset`` of the query ``text``."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    row = text.count("\n", 0, offset) + 1
    column = offset - line_start + 1
    message = f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{detail}"
    return SoqlError(code, message, row, column)


def malformed(text: str, offset: int, detail: str) -> SoqlError:
    """``MALFORMED_QUERY`` at ``offset``."""
    return soql_error("MALFORMED_QUERY", text, offset, detail)
