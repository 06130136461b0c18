"""The node's two links to its gateway, one small interface:

    service(now_ms)  connect / reconnect / keep alive (never blocks long)
    poll(now_ms)     -> list of checked gateway messages
    send(msg)        -> True when handed to the link
    up               True while messages can flow

MqttLink speaks to the gateway's own broker over Wi-Fi through an umqtt.simple
client made by `make_client()` (board.py); SerialLink writes JSON lines to the
USB serial port through two functions (board.py). No hardware is touched here.
"""

from kiosk import protocol, ticks
from kiosk.backoff import Backoff
from kiosk.lines import LineReader


class MqttLink:
    def __init__(self, cfg, wifi, make_client, version, board, rand=None):
        self.cfg, self.wifi, self.make_client = cfg, wifi, make_client
        self.version, self.board = version, board
        self.client = None
        self.backoff = Backoff(500, 30000, rand=rand)
        self.wifi_backoff = Backoff(2000, 30000, rand=rand)
        self.keepalive_ms = cfg["mqtt"]["keepalive_s"] * 1000
        self._last_out = 0
        self._inbox = []
        self.bad_messages = 0
        self.last_error = ""

    @property
    def up(self):
        return self.client is not None

    def service(self, now_ms):
        if self.client is not None:
            if not self.wifi.isconnected():
                self._drop("Wi-Fi lost", now_ms)
            elif ticks.diff(now_ms, self._last_out) >= self.keepalive_ms // 2:
                try:
                    self.client.ping()
                    self._last_out = now_ms
                except OSError as exc:
                    self._drop("ping failed: " + str(exc), now_ms)
            return
        if not self.wifi.isconnected():
            if self.wifi_backoff.ready(now_ms):
                self.wifi.connect()
                self.wifi_backoff.failed(now_ms)  # reset once connected
            return
        self.wifi_backoff.succeeded()
        if not self.backoff.ready(now_ms):
            return
        client = None
        try:
            client = self.make_client()
            client.set_callback(self._on_message)
            offline = protocol.hello(self.cfg, self.version, self.board, online=False)
            client.set_last_will(protocol.topic(self.cfg, "hello"), protocol.encode(offline), True, 1)
            client.connect()
            for kind in protocol.DOWN_KINDS:
                client.subscribe(protocol.topic(self.cfg, kind), 1)
            hello = protocol.hello(self.cfg, self.version, self.board)
            client.publish(protocol.topic(self.cfg, "hello"), protocol.encode(hello), True, 1)
        except OSError as exc:
            self.last_error = "broker " + self.cfg["mqtt"]["host"] + ": " + str(exc)
            self.backoff.failed(now_ms)
            if client is not None:
                try:
                    client.disconnect()
                except OSError:
                    pass
            return
        self.client = client
        self._last_out = now_ms
        self.backoff.succeeded()
        self.last_error = ""

    def _drop(self, why, now_ms):
        self.last_error = why
        if self.client is not None:
            try:
                self.client.disconnect()
            except OSError:
                pass
        self.client = None
        self.backoff.failed(now_ms)

    def _on_message(self, topic, payload):
        t = topic.decode() if isinstance(topic, (bytes, bytearray)) else topic
        try:
            self._inbox.append(protocol.decode(payload, protocol.kind_of(t)))
        except protocol.ProtocolError:
            self.bad_messages += 1

    def poll(self, now_ms):
        if self.client is not None:
            try:
                while True:
                    before = len(self._inbox)
                    self.client.check_msg()
                    if len(self._inbox) == before:
                        break
            except OSError as exc:
                self._drop("receive failed: " + str(exc), now_ms)
        out, self._inbox = self._inbox, []
        return out

    def send(self, msg):
        if self.client is None:
            return False
        try:
            self.client.publish(protocol.topic(self.cfg, msg["kind"]), protocol.encode(msg), False, 1)
        except OSError as exc:
            self.last_error = "send failed: " + str(exc)
            self.client = None
            return False
        return True


class SerialLink:
    """JSON lines over the USB serial port: the gateway reads /dev/ttyACM* (scanner source = kiosk)."""

    def __init__(self, cfg, read, write, version, board):
        self.cfg, self._read, self._write = cfg, read, write
        self.reader = LineReader(1024)
        self.up = True
        self.bad_messages = 0
        self.last_error = ""
        self._hello = protocol.hello(cfg, version, board)
        self._said_hello = False

    def service(self, now_ms):
        if not self._said_hello:
            self._said_hello = self.send(self._hello)

    def poll(self, now_ms):
        out = []
        data = self._read()
        for line in self.reader.feed(data):
            try:
                out.append(protocol.decode(line))
            except protocol.ProtocolError:
                self.bad_messages += 1
        return out

    def send(self, msg):
        try:
            self._write(protocol.encode_line(msg))
        except OSError as exc:
            self.last_error = str(exc)
            return False
        return True
