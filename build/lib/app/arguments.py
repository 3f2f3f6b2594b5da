"""The command line's own mistakes in Dutch: a missing option, an unknown command or value.

argparse words its errors in English ("the following arguments are required: --reason");
`DutchArgumentParser` says the same in Dutch, with the usage line above it as before, and exits
with status 2 as argparse does. Subcommands get the same class (argparse makes them with the
parent's class). The help texts stay English, like the rest of the developer documentation.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

# argparse's English messages (Python 3.11/3.12) and their Dutch wording.
_MESSAGES = (
    (re.compile(r"^the following arguments are required: (.+)$"), "dit ontbreekt nog: {0}"),
    (
        re.compile(r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$"),
        "{0}: {1} bestaat niet (kies uit {2})",
    ),
    (re.compile(r"^argument (.+?): invalid int value: (.+)$"), "{0}: {1} is geen geheel getal"),
    (re.compile(r"^argument (.+?): invalid float value: (.+)$"), "{0}: {1} is geen getal"),
    (re.compile(r"^argument (.+?): invalid \w+ value: (.+)$"), "{0}: {1} is geen geldige waarde"),
    (re.compile(r"^argument (.+?): expected one argument$"), "{0}: hier hoort een waarde achter"),
    (re.compile(r"^argument (.+?): not allowed with argument (.+)$"), "{0} en {1} gaan niet samen"),
    (re.compile(r"^unrecognized arguments: (.+)$"), "onbekend: {0}"),
    (re.compile(r"^ambiguous option: (.+?) could match (.+)$"), "{0} kan meer zijn: {1}"),
)


def dutch(message: str) -> str:
    """argparse's error message in Dutch (unchanged when it is not one we know)."""
    for pattern, wording in _MESSAGES:
        match = pattern.match(message)
        if match:
            return wording.format(*match.groups())
    return message


class DutchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are in Dutch."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {dutch(message)}\n")
