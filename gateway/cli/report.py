"""What the technician verbs print: check results with their fixes, headings, listings.

One `Report` per command. On a terminal it uses rich (colours, a spinner for long
steps); otherwise (a pipe, a log, the tests) plain lines with the same words:

    ok    printer: answers DLE EOT: online
    FAIL  broker: mqtt://10.0.0.5:1883 refused the credentials (Not authorized)
          fix: check [mqtt] username and the password file

With `json_mode` nothing is printed; `results` holds every check for `--json`.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from rich.console import Console
from rich.text import Text

MARKS = {"ok": ("ok", "bold green"), "fail": ("FAIL", "bold red"), "warn": ("warn", "bold yellow"),
         "info": ("-", "dim"), "skip": ("skip", "dim")}


class Report:
    def __init__(self, stream=None, *, json_mode: bool = False, rich: bool | None = None):
        self.stream = stream or sys.stdout
        self.json_mode = json_mode
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.rich = (isatty if rich is None else rich) and not json_mode
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True) if self.rich else None
        self.results: list[dict] = []

    @property
    def failures(self) -> int:
        return sum(1 for r in self.results if r["status"] == "fail")

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    # -- output ------------------------------------------------------------
    def _emit(self, text: Text) -> None:
        if self.json_mode:
            return
        if self.console is not None:
            self.console.print(text)
        else:
            print(text.plain, file=self.stream, flush=True)

    def heading(self, title: str) -> None:
        self._emit(Text(title, style="bold underline"))

    def line(self, text: str, indent: int = 6) -> None:
        self._emit(Text(" " * indent + text))

    def check(self, status: str, name: str, detail: str, remedy: str | None = None, **data) -> None:
        """One result line (and its fix); status is ok | fail | warn | info | skip."""
        self.results.append({"check": name, "status": status, "detail": detail, "remedy": remedy, **data})
        mark, style = MARKS[status]
        text = Text()
        text.append(f"{mark:<6}", style=style)
        text.append(f"{name}: ", style="bold")
        text.append(detail)
        self._emit(text)
        if remedy and status in ("fail", "warn"):
            self._emit(Text("      fix: ", style="cyan") + Text(remedy))

    def ok(self, name: str, detail: str, **data) -> None:
        self.check("ok", name, detail, **data)

    def fail(self, name: str, detail: str, remedy: str | None = None, **data) -> None:
        self.check("fail", name, detail, remedy, **data)

    def warn(self, name: str, detail: str, remedy: str | None = None, **data) -> None:
        self.check("warn", name, detail, remedy, **data)

    def info(self, name: str, detail: str, **data) -> None:
        self.check("info", name, detail, **data)

    @contextmanager
    def step(self, what: str):
        """A long step (network, printer): a spinner on a terminal, nothing otherwise."""
        if self.console is None:
            yield
            return
        with self.console.status(Text(what), spinner="dots"):
            yield

    def summary(self, what: str) -> None:
        n = self.failures
        warns = sum(1 for r in self.results if r["status"] == "warn")
        if n:
            self._emit(Text(f"{what}: {n} problem{'s' * (n != 1)} to fix", style="bold red"))
        else:
            extra = f" ({warns} warning{'s' * (warns != 1)})" if warns else ""
            self._emit(Text(f"{what}: all checks passed{extra}", style="bold green"))
