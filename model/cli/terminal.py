"""What the commands print: tables on standard output, one-line messages on standard error, in ASCII
where the terminal cannot show more."""
from __future__ import annotations

import codecs
import sys

from rich.console import Console
from rich.text import Text

# No markup: text from files and options is printed as it is, never read as style tags.
err = Console(stderr=True, soft_wrap=True, markup=False)  # a message stays one line, however narrow the terminal
CONSOLE_WIDTH = 150  # wide enough for the tables when output is not a terminal
console = Console(width=CONSOLE_WIDTH, markup=False)


def say(label: str, message: str) -> None:
    """One line on standard error: ``label:`` in bold red, then the message as plain text."""
    err.print(Text.assemble((f"{label}: ", "bold red"), message.replace("\n", "\\n")), highlight=False)


# What the tables and messages print beyond ASCII, spelt in ASCII for a terminal that cannot show it
# (LANG=C, PYTHONIOENCODING=ascii); rich draws its tables' borders in ASCII there by itself.
ASCII_SPELLING = {"£": "GBP ", "±": "+/-", "–": "-", "—": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<=",
                  "×": "x", "‘": "'", "’": "'", "“": '"', "”": '"', "·": "."}
ASCII_ERRORS = "jrsim-ascii"


def _spell_in_ascii(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ASCII_SPELLING.get(ch, "?") for ch in exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ASCII_ERRORS, _spell_in_ascii)


def fit_terminal() -> None:
    """Standard output and error that cannot encode what jrsim prints spell it in ASCII instead of
    raising (a finished run must not end in a UnicodeEncodeError because of a '£')."""
    for stream in (sys.stdout, sys.stderr):
        try:
            "".join(ASCII_SPELLING).encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors=ASCII_ERRORS)
