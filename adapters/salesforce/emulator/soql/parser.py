"""A recursive-descent SOQL parser for the subset the connector uses (fact sheet §3, §18.3).

Grammar (keywords case-insensitive)::

    query      := SELECT (COUNT '(' ')' | field {',' field}) FROM name
                  [WHERE condition] [ORDER BY order {',' order}] [LIMIT int] [OFFSET int]
    field      := name {'.' name}
    condition  := unary {AND unary} | unary {OR unary}   -- mixing needs parentheses, as in SOQL
    unary      := NOT unary | '(' condition ')' | field test
    test       := op literal | [NOT] IN '(' literal {',' literal} ')' | LIKE string
    literal    := string | number | date | datetime | TRUE | FALSE | NULL | keyword [':' int]
    order      := field [ASC | DESC] [NULLS (FIRST | LAST)]

Every syntax error is ``MALFORMED_QUERY`` with the caret block of :mod:`.errors`.
"""

from __future__ import annotations

from datetime import date

from ..timefmt import parse_datetime
from . import ast
from .dates import KEYWORDS, NEEDS_N
from .errors import malformed, soql_error
from .lexer import Kind, Token, tokenize

RESERVED = frozenset(
    {
        "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES",
        "LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH",
    }
)  # fmt: skip
_OPS = {"=": ast.Op.EQ, "!=": ast.Op.NE, "<>": ast.Op.NE, "<": ast.Op.LT, "<=": ast.Op.LE}
_OPS |= {">": ast.Op.GT, ">=": ast.Op.GE}
MAX_OFFSET = 2000


def parse(text: str) -> ast.Select:
    """The syntax tree of a SOQL query.

    Raises:
        SoqlError: ``MALFORMED_QUERY`` (or ``NUMBER_OUTSIDE_VALID_RANGE`` for OFFSET > 2000).
    """
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def at_word(self, *words: str) -> bool:
        return self.token.kind is Kind.WORD and self.token.value.upper() in words

    def unexpected(self, token: Token | None = None) -> Exception:
        token = token or self.token
        shown = token.text if token.kind is not Kind.END else "<EOF>"
        return malformed(self.text, token.offset, f"unexpected token: '{shown}'")

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: Kind) -> Token:
        if self.token.kind is not kind:
            raise self.unexpected()
        return self.advance()

    def query(self) -> ast.Select:
        self.expect_word("SELECT")
        count, fields = self.select_list()
        self.expect_word("FROM")
        sobject = self.name()
        where = order = limit = offset = None
        if self.at_word("WHERE"):
            self.advance()
            where = self.condition()
        if self.at_word("ORDER"):
            self.advance()
            self.expect_word("BY")
            order = self.order_list()
        if self.at_word("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.at_word("OFFSET"):
            self.advance()
            offset_token = self.token
            offset = self.integer()
            if offset > MAX_OFFSET:
                raise soql_error(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    self.text,
                    offset_token.offset,
                    f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                )
        if self.token.kind is not Kind.END:
            raise self.unexpected()
        return ast.Select(
            tuple(fields), sobject.value, where, tuple(order or ()), limit, offset, count,
            sobject.offset,
        )  # fmt: skip

    def select_list(self) -> tuple[bool, list[ast.FieldPath]]:
        if self.at_word("COUNT") and self.tokens[self.position + 1].kind is Kind.LPAREN:
            self.advance()
            self.advance()
            if self.token.kind is not Kind.RPAREN:
                raise malformed(
                    self.text,
                    self.token.offset,
                    "only COUNT() is supported by the emulator, not COUNT(field)",
                )
            self.advance()
            return True, []
        fields = [self.field()]
        while self.token.kind is Kind.COMMA:
            self.advance()
            fields.append(self.field())
        return False, fields

    def name(self) -> Token:
        token = self.token
        if token.kind is not Kind.WORD or token.value.upper() in RESERVED:
            raise self.unexpected()
        return self.advance()

    def field(self) -> ast.FieldPath:
        first = self.name()
        parts = [first.value]
        while self.token.kind is Kind.DOT:
            self.advance()
            parts.append(self.name().value)
        return ast.FieldPath(tuple(parts), first.offset)

    def condition(self) -> ast.Expr:
        first = self.unary()
        if not self.at_word("AND", "OR"):
            return first
        joiner = self.token.value.upper()
        operands = [first]
        while self.at_word(joiner):
            self.advance()
            operands.append(self.unary())
        if self.at_word("AND", "OR"):
            raise self.unexpected()  # SOQL needs parentheses to mix AND and OR
        return ast.And(tuple(operands)) if joiner == "AND" else ast.Or(tuple(operands))

    def unary(self) -> ast.Expr:
        if self.at_word("NOT"):
            self.advance()
            return ast.Not(self.unary())
        if self.token.kind is Kind.LPAREN:
            self.advance()
            inner = self.condition()
            self.expect(Kind.RPAREN)
            return inner
        return self.test(self.field())

    def test(self, field: ast.FieldPath) -> ast.Expr:
        token = self.token
        if token.kind is Kind.OP:
            self.advance()
            return ast.Comparison(field, _OPS[token.value], self.literal())
        if self.at_word("LIKE"):
            self.advance()
            pattern = self.expect(Kind.STRING)
            return ast.Like(field, ast.StringLit(pattern.value, pattern.literal))
        negated = self.at_word("NOT")
        if negated:
            self.advance()
        self.expect_word("IN")
        self.expect(Kind.LPAREN)
        values = [self.literal()]
        while self.token.kind is Kind.COMMA:
            self.advance()
            values.append(self.literal())
        self.expect(Kind.RPAREN)
        return ast.InList(field, tuple(values), negated)

    def literal(self) -> ast.Literal:
        token = self.advance()
        if token.kind is Kind.STRING:
            return ast.StringLit(token.value, token.literal)
        if token.kind is Kind.NUMBER:
            return ast.NumberLit(token.value)
        if token.kind is Kind.DATE:
            return ast.DateLit(self.date(token))
        if token.kind is Kind.DATETIME:
            try:
                return ast.DateTimeLit(parse_datetime(token.value), token.value)
            except ValueError as exc:
                raise malformed(
                    self.text, token.offset, f"invalid datetime: {token.value}"
                ) from exc
        if token.kind is Kind.WORD:
            return self.word_literal(token)
        raise self.unexpected(token)

    def word_literal(self, token: Token) -> ast.Literal:
        word = token.value.upper()
        if word in ("TRUE", "FALSE"):
            return ast.BoolLit(word == "TRUE")
        if word == "NULL":
            return ast.NullLit()
        if word not in KEYWORDS:
            raise self.unexpected(token)
        if word not in NEEDS_N:
            return ast.DateKeyword(word)
        self.expect(Kind.COLON)
        return ast.DateKeyword(word, self.integer())

    def date(self, token: Token) -> date:
        try:
            return date.fromisoformat(token.value)
        except ValueError as exc:
            raise malformed(self.text, token.offset, f"invalid date: {token.value}") from exc

    def integer(self) -> int:
        token = self.token
        if token.kind is not Kind.NUMBER or not token.value.isdigit():
            raise self.unexpected()
        self.advance()
        return int(token.value)

    def order_list(self) -> list[ast.OrderItem]:
        items = [self.order_item()]
        while self.token.kind is Kind.COMMA:
            self.advance()
            items.append(self.order_item())
        return items

    def order_item(self) -> ast.OrderItem:
        field = self.field()
        descending = nulls_last = False
        if self.at_word("ASC", "DESC"):
            descending = self.advance().value.upper() == "DESC"
        if self.at_word("NULLS"):
            self.advance()
            if not self.at_word("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.advance().value.upper() == "LAST"
        return ast.OrderItem(field, descending, nulls_last)
