"""Plural-Forms headers: a bounded parser and evaluator, and the rules translation tools use.

A catalog's `Plural-Forms: nplurals=2; plural=(n > 1);` is untrusted text, and the C-like
formula in it decides which translation a reader sees. It is parsed here by a small grammar
of its own, never evaluated as code, with bounds on its length, its nesting and the number
of forms, and with only literal numbers after `/` and `%`, so no formula can divide by zero,
recurse without end or allocate without limit. The evaluator follows C, as GNU gettext does:
comparisons and `&&`, `||`, `!` give 0 or 1.

Two formulas are the same rule when they pick the same form for every count a reader can
meet; `same_rule` compares them over every count up to 1,000 and a spread of large ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

# No language has more plural categories than CLDR's six (zero, one, two, few, many, other).
MAX_NPLURALS = 6
# Translation tools write 100 characters at most (Arabic); CLDR's longest rule (Cornish)
# takes about 470. Python's gettext refuses formulas over 1,000.
MAX_FORMULA_LENGTH = 800
# Nesting of parentheses, `?:` and `!`; real formulas need five at most, and Python's gettext
# refuses twenty levels of its own translation, which adds some.
MAX_DEPTH = 8
MAX_NUMBER_DIGITS = 9

# Every count up to 1,000 covers the rules that look at the last two or three digits; the
# large ones reach the rules for thousands and millions (French and Spanish "many").
SAMPLE_COUNTS: tuple[int, ...] = (
    *range(1001),
    *(
        base * 10**exponent + offset
        for exponent in range(3, 10)
        for base in (1, 2, 5)
        for offset in (0, 1, 2)
    ),
)

# What GNU gettext's msginit, Poedit and Weblate write for the languages whose rule in CLDR
# grew categories (the "many" of French, Spanish, Italian, Portuguese and Catalan for
# millions) or is spelled differently. Both this and CLDR's rule are accepted by `i18n check`;
# `i18n init` writes this one where there is one, so the catalog matches what the tools expect.
_ONE_FORM = "nplurals=1; plural=0;"
_NOT_ONE = "nplurals=2; plural=(n != 1);"
_NOT_ONE_LANGUAGES = "en de nl sv da no nb nn fo es pt it ca gl eu bg el fi et he eo hu tr"
_MORE_THAN_ONE = "nplurals=2; plural=(n > 1);"
_EAST_SLAVIC = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
CONVENTIONAL_PLURAL_FORMS: dict[str, str] = {
    **dict.fromkeys(("ja", "ko", "vi", "zh", "th", "id"), _ONE_FORM),
    **dict.fromkeys(_NOT_ONE_LANGUAGES.split(), _NOT_ONE),
    **dict.fromkeys(("fr", "pt_BR"), _MORE_THAN_ONE),
    **dict.fromkeys(("ru", "uk", "be", "sr", "hr", "bs"), _EAST_SLAVIC),
    **dict.fromkeys(("cs", "sk"), "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"),
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
    "ga": "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
    "ar": (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"
    ),
}


class PluralFormsError(ValueError):
    """A Plural-Forms value that cannot be used, with a hint for the translator."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or "write it as translation tools do, e.g. `nplurals=2; plural=(n != 1);`"


Formula = Callable[[int], int]


@dataclass(frozen=True)
class PluralForms:
    """A parsed Plural-Forms value: the number of forms and the rule choosing one for a count."""

    nplurals: int
    expression: str
    index: Formula

    def indexes(self) -> tuple[int, ...]:
        """The form chosen for each of SAMPLE_COUNTS (what two rules are compared by)."""
        return tuple(self.index(n) for n in SAMPLE_COUNTS)


# ---- parsing the header value ----------------------------------------------------------

_FIELD = re.compile(r"\s*([A-Za-z]+)\s*=(.*)", re.DOTALL)


def parse_plural_forms(value: str) -> PluralForms:
    """Parse `nplurals=N; plural=EXPR;`, raising PluralFormsError for anything unusable."""
    if len(value) > MAX_FORMULA_LENGTH + 40:
        raise PluralFormsError(f"the value is {len(value)} characters long; no language needs that many")
    fields: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        match = _FIELD.fullmatch(part)
        if match is None:
            raise PluralFormsError(f"`{part.strip()}` is not of the form `name=value`")
        name = match.group(1).lower()
        if name not in ("nplurals", "plural"):
            raise PluralFormsError(
                f"unknown field `{match.group(1)}`", "only nplurals and plural belong here"
            )
        if name in fields:
            raise PluralFormsError(f"`{name}` is given twice")
        fields[name] = match.group(2).strip()
    for name in ("nplurals", "plural"):
        if name not in fields:
            raise PluralFormsError(f"`{name}=` is missing")
    nplurals = _parse_nplurals(fields["nplurals"])
    index = parse_formula(fields["plural"])
    forms = PluralForms(nplurals, fields["plural"], index)
    _check_range(forms)
    return forms


def _parse_nplurals(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", text):
        raise PluralFormsError(
            f"nplurals must be a small whole number, not `{_shorten(text)}`",
            f"languages have 1 to {MAX_NPLURALS} plural forms",
        )
    count = int(text)
    if not 1 <= count <= MAX_NPLURALS:
        raise PluralFormsError(
            f"nplurals={count}, but languages have 1 to {MAX_NPLURALS} plural forms",
            "count the msgstr[…] forms your language needs",
        )
    return count


def _check_range(forms: PluralForms) -> None:
    for n, chosen in zip(SAMPLE_COUNTS, forms.indexes(), strict=True):
        if not 0 <= chosen < forms.nplurals:
            raise PluralFormsError(
                f"for n = {n} the formula chooses form {chosen}, "
                f"but nplurals={forms.nplurals} allows 0 to {forms.nplurals - 1}",
                "make every branch of the formula give a form number below nplurals",
            )


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# ---- the formula ----------------------------------------------------------------------

# ASCII digits and blanks only: Python's gettext, which also reads the formula, knows no others.
_TOKEN = re.compile(r"[ \t]*(?:([0-9]+)|(n)\b|(&&|\|\||==|!=|<=|>=|[-+*/%<>!?:()]))")
# Binary operators from the loosest to the tightest binding, as in C.
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)
_COMPARISONS = 2  # the first level of _LEVELS that binds tighter than && and ||
_COMPARISON_LEVELS = (2, 3)
_BINARY: dict[str, Callable[[int, int], int]] = {
    "||": lambda a, b: int(bool(a) or bool(b)),
    "&&": lambda a, b: int(bool(a) and bool(b)),
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b),
    ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b),
    ">=": lambda a, b: int(a >= b),
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a // b,
    "%": lambda a, b: a % b,
}


def parse_formula(text: str) -> Formula:
    """The function a `plural=` formula describes, or PluralFormsError saying what is wrong."""
    if not text:
        raise PluralFormsError("the formula after `plural=` is empty")
    if len(text) > MAX_FORMULA_LENGTH:
        raise PluralFormsError(
            f"the formula is {len(text)} characters long, more than the {MAX_FORMULA_LENGTH} allowed"
        )
    parser = _Parser(_tokens(text))
    formula = parser.conditional(0)
    if parser.peek() is not None:
        raise PluralFormsError(f"unexpected `{parser.peek()}` in the formula")
    return formula


def _tokens(text: str) -> list[str]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip(" \t") == "":
                break
            rest = _shorten(text[position:].strip(), 20)
            raise PluralFormsError(f"the formula may use only n, numbers and C operators, not `{rest}`")
        tokens.append(match.group(match.lastindex or 0))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens, one method per precedence level, depth-bounded."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise PluralFormsError("the formula ends too early")
        self.position += 1
        return token

    def conditional(self, depth: int) -> Formula:
        if depth > MAX_DEPTH:
            raise PluralFormsError(
                f"the formula is nested more than {MAX_DEPTH} levels deep",
                "write it without extra parentheses",
            )
        condition = self.binary(0, depth)
        if self.peek() != "?":
            return condition
        self.take()
        chosen = self.conditional(depth + 1)
        if self.peek() != ":":
            raise PluralFormsError("a `?` without its `:`")
        self.take()
        otherwise = self.conditional(depth + 1)
        return lambda n: chosen(n) if condition(n) else otherwise(n)

    def binary(self, level: int, depth: int) -> Formula:
        if level == len(_LEVELS):
            return self.unary(depth)
        left = self.binary(level + 1, depth)
        chained = False
        while self.peek() in _LEVELS[level]:
            operator = self.take()
            if level in _COMPARISON_LEVELS and chained:
                # `a < b < c` means (a < b) < c in C and something else in Python.
                raise PluralFormsError(
                    f"comparisons in a row (`… {operator} …`)", "join comparisons with && or ||"
                )
            chained = True
            if level >= _COMPARISONS and self.peek() == "!":
                # Python's gettext, which loads the catalog too, cannot read `n == !n`.
                raise PluralFormsError(
                    f"`!` right after `{operator}`", f"put the negation in parentheses: {operator} (!…)"
                )
            right = self._divisor(depth) if operator in ("/", "%") else self.binary(level + 1, depth)
            left = _combine(_BINARY[operator], left, right)
        return left

    def _divisor(self, depth: int) -> Formula:
        # Real formulas only ever divide by a literal (n%10, n%100); anything else could be zero.
        token = self.peek()
        if token is None or not _is_number(token):
            raise PluralFormsError(
                f"only a number may follow / and %, not `{token or 'the end'}`", "write e.g. n%10 or n%100"
            )
        divisor = self.unary(depth)
        if divisor(0) == 0:
            raise PluralFormsError("the formula divides by zero", "write e.g. n%10 or n%100")
        return divisor

    def unary(self, depth: int) -> Formula:
        token = self.take()
        if token == "!":
            if depth >= MAX_DEPTH:
                raise PluralFormsError(f"the formula is nested more than {MAX_DEPTH} levels deep")
            operand = self.unary(depth + 1)
            return lambda n: int(not operand(n))
        if token == "(":
            inner = self.conditional(depth + 1)
            if self.peek() != ")":
                raise PluralFormsError("a `(` without its `)`")
            self.take()
            return inner
        if token == "n":
            return lambda n: n
        if _is_number(token):
            if len(token) > MAX_NUMBER_DIGITS:
                raise PluralFormsError(f"the number {_shorten(token, 12)} is too large for a plural rule")
            value = int(token)
            return lambda n: value
        raise PluralFormsError(f"unexpected `{token}` in the formula")


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()


def _combine(operation: Callable[[int, int], int], left: Formula, right: Formula) -> Formula:
    return lambda n: operation(left(n), right(n))


# ---- the rules translation tools accept ------------------------------------------------


def same_rule(first: PluralForms, second: PluralForms) -> bool:
    """Whether two Plural-Forms values choose the same form for every sampled count."""
    return first.nplurals == second.nplurals and first.indexes() == second.indexes()


def conventional_plural_forms(locale_name: str) -> str | None:
    """What gettext's tools write for a language (`pt_BR`, then `pt`), when it is in their table."""
    for name in (locale_name, locale_name.split("_")[0]):
        if name in CONVENTIONAL_PLURAL_FORMS:
            return CONVENTIONAL_PLURAL_FORMS[name]
    return None


@cache
def accepted_plural_forms(locale_name: str) -> tuple[str, ...]:
    """The Plural-Forms values `i18n check` accepts for a language: the tools' and CLDR's."""
    from babel.messages.catalog import Catalog  # Babel's CLDR data, loaded only when asked

    cldr = Catalog(locale=locale_name).plural_forms
    conventional = conventional_plural_forms(locale_name)
    return tuple(dict.fromkeys(value for value in (conventional, cldr) if value))


def preferred_plural_forms(locale_name: str) -> str:
    """What `i18n init` writes: the tools' formula where they have one, else CLDR's."""
    return accepted_plural_forms(locale_name)[0]


def judge_plural_forms(value: str, locale_name: str) -> PluralFormsError | None:
    """None when a header value is well formed and matches a rule the language may use."""
    try:
        forms = parse_plural_forms(value)
    except PluralFormsError as problem:
        return problem
    accepted = accepted_plural_forms(locale_name)
    if any(_matches(forms, candidate) for candidate in accepted):
        return None
    return PluralFormsError(
        f"the Plural-Forms rule `{_shorten(value.strip(), 80)}` is not a rule of {locale_name}",
        "use " + " or ".join(f"`{candidate}`" for candidate in accepted),
    )


def _matches(forms: PluralForms, candidate: str) -> bool:
    try:
        return same_rule(forms, parse_plural_forms(candidate))
    except PluralFormsError:  # a CLDR rule beyond this grammar cannot be what was meant
        return False
