"""Byte stream -> text lines (CR, LF or CRLF), with a length limit so a noisy line cannot eat RAM."""


class LineReader:
    def __init__(self, max_len=256):
        self.max_len = max_len
        self._buf = bytearray()
        self._overflow = False
        self.dropped = 0

    def feed(self, data):
        """Add bytes; return the complete lines (bytes, without terminators)."""
        out: list = []
        if not data:
            return out
        for b in data:
            if b == 10 or b == 13:
                if self._overflow:
                    self.dropped += 1
                elif self._buf:
                    out.append(bytes(self._buf))
                self._buf = bytearray()
                self._overflow = False
            elif not self._overflow:
                if len(self._buf) >= self.max_len:
                    self._overflow = True
                    self._buf = bytearray()
                else:
                    self._buf.append(b)
        return out

    def pending(self):
        return bytes(self._buf)

    def flush(self):
        """Take what is buffered as a line (for scanners that send no terminator)."""
        line = bytes(self._buf) if not self._overflow else b""
        self._buf = bytearray()
        self._overflow = False
        return line
