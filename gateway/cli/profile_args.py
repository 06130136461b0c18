"""`--profile NAME` and `--code-page N=PAGE` for the verbs that decode (`decode`, `replay`).

Both land in `args.profile`: the name as before, or, once a --code-page is given, a
`ProfileChoice` (the name with the technician's ESC t numbers over the database's), which
every decoding path takes wherever it took a name. A bad N=PAGE stops argparse with the
reason and exit code 2.
"""

from __future__ import annotations

import argparse

from gateway.printer.profiles import ProfileChoice, choose, code_page_overrides

CODE_PAGE_HELP = ("this printer's ESC t numbering where the profile's differs: ESC t N selects PAGE "
                  "(e.g. 2=CP858, 7=CP1253; repeat for more; docs/decoder.md)")


class _ProfileParts(argparse.Action):
    """--profile and --code-page, in any order, make one args.profile."""

    def __call__(self, parser, namespace, value, option_string=None):
        pages = dict(getattr(namespace, "_code_pages", None) or {})
        name = namespace.profile.name if isinstance(namespace.profile, ProfileChoice) else namespace.profile
        if self.dest == "code_page":
            from gateway.printer.codepages import code_page_arg

            try:
                n, page = code_page_arg(value)
            except ValueError as exc:
                raise argparse.ArgumentError(self, f"{exc} (write N=PAGE, e.g. --code-page 2=CP858)") from None
            pages[n] = page
        else:
            name = value
        namespace._code_pages = pages
        namespace.profile = choose(name, pages)


def add_profile_arguments(p, profile_help: str) -> None:
    p.add_argument("--profile", default=None, action=_ProfileParts, help=profile_help)
    p.add_argument("--code-page", metavar="N=PAGE", dest="code_page", action=_ProfileParts, help=CODE_PAGE_HELP)


def over_capture(chosen, header: dict):
    """The command line's profile and code pages over those a capture's header recorded."""
    from gateway.printer.codepages import code_page_table

    name = chosen.name if isinstance(chosen, ProfileChoice) else chosen
    pages = code_page_table(header.get("code_pages") or {})
    pages.update(code_page_overrides(chosen))
    return choose(name or header.get("profile"), pages)
