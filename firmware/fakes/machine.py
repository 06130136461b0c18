"""Fake machine: Pin, UART, SPI, WDT, reset. Tests drive inputs through `pins` and `uart(n)`."""

pins: dict = {}
uarts: dict = {}
spis: list = []
wdts: list = []
resets = [0]


def reset_state():
    pins.clear()
    uarts.clear()
    spis.clear()
    wdts.clear()
    resets[0] = 0


class Pin:
    IN, OUT, OPEN_DRAIN = 0, 1, 2
    PULL_UP, PULL_DOWN = 1, 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id, self.mode, self.pull = id, mode, pull
        self.level = 1 if pull == Pin.PULL_UP else 0
        self.history: list = []
        if value is not None:
            self.level = value
        pins[id] = self

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = 1 if v else 0
        self.history.append(self.level)
        return None

    def __call__(self, v=None):
        return self.value(v)


class UART:
    def __init__(self, id, baudrate=9600, tx=None, rx=None, timeout=0, **kw):
        self.id, self.baudrate, self.tx, self.rx = id, baudrate, tx, rx
        self._rx = bytearray()
        self.written = bytearray()
        uarts[id] = self

    def inject(self, data):
        """Bytes arriving from the scanner."""
        self._rx.extend(data)

    def any(self):
        return len(self._rx)

    def read(self, n=-1):
        if not self._rx:
            return None
        n = len(self._rx) if n is None or n < 0 else n
        data, self._rx = bytes(self._rx[:n]), self._rx[n:]
        return data

    def write(self, data):
        self.written.extend(data)
        return len(data)


def uart(id):
    return uarts[id]


class SPI:
    def __init__(self, id, baudrate=1000000, sck=None, mosi=None, miso=None, **kw):
        self.id, self.baudrate, self.sck, self.mosi = id, baudrate, sck, mosi
        self.writes = 0
        spis.append(self)

    def write(self, data):
        self.writes += 1


class WDT:
    def __init__(self, id=0, timeout=5000):
        if timeout > 8388:
            raise ValueError("timeout too long for RP2040 (max 8388 ms)")
        self.timeout = timeout
        self.feeds = 0
        wdts.append(self)

    def feed(self):
        self.feeds += 1


def reset():
    resets[0] += 1
    raise SystemExit("machine.reset()")
