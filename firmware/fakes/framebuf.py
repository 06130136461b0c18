"""Fake framebuf: keeps the text drawn on it, row by row, so tests read the screen."""

MONO_VLSB = 0
MONO_HLSB = 3


class FrameBuffer:
    def __init__(self, buf, width, height, fmt):
        self.buf, self.width, self.height, self.fmt = buf, width, height, fmt
        self.texts: dict = {}

    def fill(self, c):
        self.texts = {}
        for i in range(len(self.buf)):
            self.buf[i] = 0xFF if c else 0

    def text(self, s, x, y, c=1):
        if len(s) * 8 + x > self.width:
            raise ValueError(f"text {s!r} runs off the {self.width}-dot display")
        self.texts[y // 8] = s
        if s.strip():
            self.buf[(y // 8) * self.width + x] |= 1

    def rows(self):
        return [self.texts.get(r, "") for r in range(self.height // 8)]
