"""Fiscal blocks: Belgian GKS/FDM lines, German TSE data, French NF525 mentions.

They are copied unchanged into the e-receipt, never parsed for other fields.
A block starts at a line with a fiscal marker and goes on over lines that read
like its data ('Key: value', or a wrapped signature: one long token).
"""

from __future__ import annotations

import re

_KEY_VALUE = re.compile(r"^\s*[\w .\-/()éèäöüß]{2,32}:\s*\S")
_TOKEN = re.compile(r"^\s*[A-Za-z0-9+/=:_\-.]{12,}\s*$")


def fiscal_block(text: list[str], folded: list[str], markers: re.Pattern) -> set[int]:
    found: set[int] = set()
    in_block = False
    for i, f in enumerate(folded):
        if markers.search(f):
            found.add(i)
            in_block = True
            continue
        if in_block and text[i].strip() and (_TOKEN.match(text[i]) or _KEY_VALUE.match(text[i])):
            found.add(i)
            continue
        in_block = False
    return found
