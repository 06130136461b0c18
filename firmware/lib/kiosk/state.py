"""The kiosk's state machine: scans, buttons, gateway messages and time in; actions out.

Actions are tuples:
  ("show", [lines])          put these lines on the display
  ("send", message_dict)     send to the gateway (protocol.* builds them)
States: connecting (first CONNECT_MS after power-on), offline, idle, waiting (scan sent, no reply yet), result (reply shown).
"""

from kiosk import protocol, screen, ticks, validate

CONNECT_MS = 10000


class Kiosk:
    def __init__(self, cfg, now_ms):
        self.cfg = cfg
        t = cfg["timeouts"]
        self.reply_ms = int(t["reply_s"] * 1000)
        self.result_ms = int(t["result_s"] * 1000)
        self.message_ms = int(t["message_s"] * 1000)
        self.rules = cfg["validation"]["rules"]
        self.max_len = cfg["validation"]["max_len"]
        self.state = "connecting"
        self.seq = 0
        self.pending_seq = None  # the scan we wait an answer for / the answer shown
        self.mode = None
        self.home = screen.IDLE
        self.result_lines = []
        self.shown = None
        self._since = now_ms
        self._overlay = None  # (lines, until_ms) shown over the state's own screen

    # ---- inputs -------------------------------------------------------------
    def link(self, up, now_ms):
        if up and self.state in ("offline", "connecting"):
            return self._go("idle", now_ms)
        if not up and self.state not in ("offline", "connecting"):
            self.pending_seq = None
            return self._go("offline", now_ms)
        return []

    def scan(self, raw, now_ms):
        code, reason = validate.validate(raw, self.rules, self.max_len)
        if code is None:
            return self._flash(screen.rejected(reason), now_ms)
        if self.state in ("offline", "connecting"):
            return self._flash(screen.OFFLINE, now_ms)
        self.seq += 1
        self.pending_seq = self.seq
        acts = [("send", protocol.scan(self.cfg, self.seq, code))]
        return acts + self._go("waiting", now_ms)

    def button(self, name, now_ms):
        """A physical button: "paper" or "no_paper"."""
        if self.state in ("offline", "connecting"):
            return self._flash(screen.OFFLINE, now_ms)
        if self.state == "result" and name == "paper" and self.mode in ("qr", "none"):
            msg = protocol.button(self.cfg, self._next(), "print_anyway", self.pending_seq)
            return [("send", msg)] + self._flash(screen.PRINT_ANYWAY, now_ms, then="idle")
        ref = self.pending_seq if self.state in ("result", "waiting") else None
        msg = protocol.button(self.cfg, self._next(), name, ref)
        shown = screen.PAPER if name == "paper" else screen.NO_PAPER
        then = "idle" if self.state == "result" else None
        return [("send", msg)] + self._flash(shown, now_ms, then=then)

    def message(self, msg, now_ms):
        """A checked gateway message (protocol.decode)."""
        if msg["kind"] == "result":
            seq = msg.get("seq")
            if self.state != "waiting" or (seq is not None and seq != self.pending_seq):
                return []  # a late answer to an older scan
            self.mode = msg["mode"]
            self._overlay = None
            self.result_lines = screen.result(msg.get("greeting", ""), self.mode)
            return self._go("result", now_ms)
        timeout_ms = int(msg.get("timeout_s", 0) * 1000)
        if timeout_ms == 0:
            self.home = msg["lines"] or screen.IDLE
            return self.refresh(now_ms)
        return self._flash(msg["lines"], now_ms, duration=timeout_ms)

    def tick(self, now_ms):
        if self._overlay is not None and ticks.diff(now_ms, self._overlay[1]) >= 0:
            then = self._overlay[2]
            self._overlay = None
            if then:
                return self._go(then, now_ms)
            return self.refresh(now_ms)
        age = ticks.diff(now_ms, self._since)
        if self.state == "connecting" and age >= CONNECT_MS:
            return self._go("offline", now_ms)
        if self.state == "waiting" and age >= self.reply_ms:
            self.pending_seq = None
            return self._flash(screen.NO_ANSWER, now_ms, then="idle")
        if self.state == "result" and age >= self.result_ms:
            return self._go("idle", now_ms)
        return []

    # ---- helpers ------------------------------------------------------------
    def _next(self):
        self.seq += 1
        return self.seq

    def _go(self, state, now_ms):
        self.state = state
        self._since = now_ms
        if state == "idle":
            self.mode = None
            self.pending_seq = None
        return self.refresh(now_ms)

    def _own_screen(self):
        if self.state == "connecting":
            return screen.CONNECTING
        if self.state == "offline":
            return screen.OFFLINE
        if self.state == "waiting":
            return screen.READING
        if self.state == "result":
            return self.result_lines
        return self.home

    def refresh(self, now_ms):
        if self._overlay is not None:
            return []
        return self._show(self._own_screen())

    def _flash(self, lines, now_ms, duration=None, then=None):
        until = ticks.add(now_ms, self.message_ms if duration is None else duration)
        self._overlay = (lines, until, then)
        return self._show(lines)

    def _show(self, lines):
        if lines == self.shown:
            return []
        self.shown = lines
        return [("show", lines)]
