"""The importers' skip reasons, warnings and refusals: English message ids of the Babel catalogue.

An import job stores its messages in English, written from the ids below (``NOT_FOLLOWED % values``).
Whoever shows them asks for a language (``translated(message, "it")``): the message's shape, derived from
its id, gives back the values, which are put into the translated message. Results stored before these ids
existed carry the same English text, so they are translated the same way; a text no shape knows is looked
up as a fixed message id and shown as it is when the catalogue does not know it either.
"""

from __future__ import annotations

from smartregion.i18n import N_, Shape, translate

# The Funding & Tenders portal's search answer.
TENDER = N_("tender (procurement), not a grant")
DUPLICATE = N_("duplicate of result %(position)s")
NOT_FOLLOWED = N_("%(identifier)s: %(programme)s is not a programme the region follows")
BUDGET_UNREADABLE = N_("%(identifier)s: the budget overview cannot be read; imported without budget")
BUDGET_AMOUNT = N_("%(identifier)s: an amount of the budget overview cannot be read (%(reason)s); "
                   "imported without budget")
USUAL_RATE = N_("%(identifier)s: type of action (%(actions)s) has no recorded funding rate: the programme's usual "
                "%(rate)s%% is used, check the call")
# What ``funding.importers.actions`` says of a topic, which the portal's importer puts after its identifier.
ACTION_RATE = USUAL_RATE.removeprefix("%(identifier)s: ")
NONE_GIVEN = N_("none given")
STATUS_DISAGREES = N_("%(identifier)s: the portal says %(portal)s, its dates say %(status)s; %(status)s is kept")
# The line statuses the portal and the dates give, as the warning above names them.
STATUSES = (N_("forthcoming"), N_("open"), N_("closed"))

# ... why one of its results is refused, and why the whole answer is.
BAD_DEADLINE = N_("Not a valid deadline date: %(value)s.")
BAD_OPENING = N_("Not a valid planned opening date.")
UNKNOWN_MODEL = N_("Unknown deadline model %(value)s.")
NO_IDENTIFIER = N_("The result has no topic identifier.")
NOT_A_RESULT = N_("Not a search result object.")
NOT_PORTAL = N_("Not a Funding & Tenders search answer: no 'results' list.")

# The secretariat's own files of funding lines (CSV or JSON).
NOT_AN_OBJECT = N_("Not an object.")
NOT_JSON = N_("Not valid JSON: %(reason)s")
NOT_A_LIST = N_("Expected a list of funding lines (or an object with 'funding_lines').")
MISSING_COLUMNS = N_("Missing columns: %(columns)s")
BINARY = N_("The file is binary, not text.")
NOT_TEXT = N_("The file is not readable text.")
REPEATED_COLUMN = N_("The header repeats a column name.")
BAD_ROW_WIDTH = N_("Line %(line)s has %(cells)s cells, the header %(columns)s.")
TOO_MANY_ROWS = N_("More than %(count)s rows.")
BAD_CSV_AT = N_("Malformed CSV at line %(line)s: %(reason)s")

# OpenCoesione's project table: why a row is not imported, by reason code, in the order a row is tested.
SKIPPED = {
    "outside_region": N_("placed in no municipality of the platform, with a CUP no project has"),
    "no_cup": N_("no CUP"),
    "unknown_cup": N_("placed in a municipality of the platform, with a CUP no project has yet"),
    "malformed": N_("the row's number of fields differs from the header's"),
}
# ... and why a row of the platform's projects is refused.
BAD_AMOUNT = N_("Not a valid amount: %(value)s (%(reason)s).")
BAD_DATE = N_("Not a valid date: %(value)s.")
BAD_CUP = N_("%(reason)s: %(value)s.")
BAD_WIDTH = N_("The row has %(fields)s fields, the header %(columns)s: its cells cannot be told apart (CUP %(cup)s).")
BAD_CSV = N_("Malformed CSV: %(reason)s.")

# Why a CUP is not well formed (``funding.cup``).
CUP_LENGTH = N_("A CUP has 15 characters, this has %(length)s")
CUP_CHARACTERS = N_("A CUP contains only letters and digits")
CUP_STRUCTURE = N_("Malformed CUP (letter, 2 digits, letter, 2-digit year, 9 digits)")

def _word(value: str, locale: str) -> str:
    """A status the message names (``open``), in ``locale``."""
    return translate(value, locale) if value in STATUSES else value


def _actions(value: str, locale: str) -> str:
    return translate(NONE_GIVEN, locale) if value == NONE_GIVEN else value


def _cup_reason(value: str, locale: str) -> str:
    return translated(value, locale)


_CUP_REASONS = "|".join(Shape(reason).pattern.pattern[1:-1] for reason in (CUP_LENGTH, CUP_CHARACTERS, CUP_STRUCTURE))
SHAPES = [
    Shape(DUPLICATE),
    Shape(NOT_FOLLOWED),
    Shape(BUDGET_UNREADABLE),
    Shape(BUDGET_AMOUNT),
    Shape(USUAL_RATE, actions=_actions),
    Shape(STATUS_DISAGREES, portal=_word, status=_word),
    Shape(BAD_AMOUNT),
    Shape(BAD_DATE),
    Shape(BAD_WIDTH),
    Shape(BAD_CSV),
    Shape(BAD_CUP, rf"^(?P<reason>{_CUP_REASONS}): (?P<value>.*)\.$", reason=_cup_reason),
    Shape(CUP_LENGTH),
    Shape(BAD_DEADLINE),
    Shape(UNKNOWN_MODEL),
    Shape(NOT_JSON),
    Shape(BAD_ROW_WIDTH),
    Shape(TOO_MANY_ROWS),
    Shape(BAD_CSV_AT),
    # Last: OpenCoesione's missing columns, which say more, have their own shape (``funding.views.messages``).
    Shape(MISSING_COLUMNS),
]


def shaped(message: str, locale: str) -> str | None:
    """``message`` in ``locale`` if it has the shape of a message with values, else None."""
    for shape in SHAPES:
        text = shape.read(message, locale)
        if text is not None:
            return text
    return None


def translated(message: str, locale: str) -> str:
    """An importer's English ``message`` in ``locale`` (``it`` or ``en``)."""
    text = shaped(message, locale) if message else None
    return text if text is not None else (translate(message, locale) if message else message)
