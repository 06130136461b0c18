"""Fiscal blocks: Belgian GKS/FDM lines, German TSE data, French NF525 mentions.

They are copied unchanged into the e-receipt, never parsed for other fields.
A block starts at a line with a fiscal marker and goes on over lines that read
like its data ('Key: value', or a wrapped signature: one long token).
"""

from __future__ import annotations

import re

_KEY_VALUE = re.compile(r"^\s*[\w .\-/()éèäöüß]{2,32}:\s*\S")
_TOKEN = re.compile(r"^\s*[A-Za-z0-9+/=:_\-.]{12,}\s*$")
_TAIL = re.compile(r"^[A-Za-z0-9+/=]+$")  # the last, short piece of a wrapped signature


def fiscal_block(text: list[str], folded: list[str], markers: re.Pattern) -> set[int]:
    found: set[int] = set()
    in_block = False
    wrapped = 0  # length of the previous line when it was a piece of a wrapped signature
    for i, f in enumerate(folded):
        line = text[i].strip()
        if markers.search(f):
            found.add(i)
            in_block, wrapped = True, 0
            continue
        if in_block and line and (_TOKEN.match(line) or _KEY_VALUE.match(line)
                                  or (wrapped and len(line) <= wrapped and _TAIL.match(line))):
            found.add(i)
            wrapped = len(line) if _TOKEN.match(line) else 0
            continue
        in_block, wrapped = False, 0
    return found
