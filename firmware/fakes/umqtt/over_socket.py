"""umqtt.simple's MQTTClient API over a real TCP socket (MQTT 3.1.1), for CPython.

With `fakes.install(real_mqtt=True)` the node's `from umqtt.simple import MQTTClient`
gets this class, so the node can run on a laptop against a real broker (tests use a real
mosquitto; a technician can try a config.json against the gateway box's broker).
Behaviour follows micropython-lib's umqtt.simple: blocking connect/publish, QoS 0/1,
check_msg() returns at once when nothing is waiting, errors are OSError / MQTTException.
"""

import socket
import struct


class MQTTException(Exception):
    pass


def _str(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(b)) + b


def _packet(first, body):
    out = bytearray([first])
    n = len(body)
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            break
    return bytes(out) + body


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None,
                 timeout=5.0):
        self.client_id, self.server, self.port = client_id, server, port or 1883
        self.user, self.password, self.keepalive = user, password, keepalive
        self.timeout = timeout
        self.sock = None
        self.cb = None
        self.pid = 0
        self.will = None
        self._last_ack = None
        self._last_rc = 0

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        self.will = (topic, msg, retain, qos)

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise OSError(104, "connection closed by broker")
            data += chunk
        return data

    def _read_len(self):
        n = shift = 0
        while True:
            b = self._recv(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def connect(self, clean_session=True):
        self.sock = socket.create_connection((self.server, self.port), timeout=self.timeout)
        flags = 0x02 if clean_session else 0
        payload = _str(self.client_id)
        if self.will:
            topic, msg, retain, qos = self.will
            flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
            payload += _str(topic) + _str(msg)
        if self.user:
            flags |= 0x80
            payload += _str(self.user)
            if self.password:
                flags |= 0x40
                payload += _str(self.password)
        body = _str("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive) + payload
        self.sock.sendall(_packet(0x10, body))
        resp = self._recv(4)
        if resp[0] != 0x20 or resp[3] != 0:
            raise MQTTException(resp[3])
        return bool(resp[2] & 1)

    def disconnect(self):
        if self.sock is not None:
            try:
                self.sock.sendall(b"\xe0\x00")
            finally:
                self.sock.close()
                self.sock = None

    def ping(self):
        self.sock.sendall(b"\xc0\x00")

    def _next_pid(self):
        self.pid = self.pid % 65535 + 1
        return self.pid

    def publish(self, topic, msg, retain=False, qos=0):
        body = _str(topic)
        pid = None
        if qos:
            pid = self._next_pid()
            body += struct.pack("!H", pid)
        body += msg.encode() if isinstance(msg, str) else bytes(msg)
        self.sock.sendall(_packet(0x30 | (qos << 1) | (1 if retain else 0), body))
        while qos:
            if self.wait_msg() == 0x40 and self._last_ack == pid:
                return

    def subscribe(self, topic, qos=0):
        pid = self._next_pid()
        self.sock.sendall(_packet(0x82, struct.pack("!H", pid) + _str(topic) + bytes([qos])))
        while True:
            if self.wait_msg() == 0x90 and self._last_ack == pid:
                if self._last_rc == 0x80:
                    raise MQTTException("subscribe refused: " + str(topic))
                return

    def wait_msg(self):
        self.sock.settimeout(self.timeout)
        first = self.sock.recv(1)
        if not first:
            raise OSError(104, "connection closed by broker")
        return self._handle(first[0])

    def _handle(self, op):
        n = self._read_len()
        body = self._recv(n) if n else b""
        kind = op & 0xF0
        if kind in (0x40, 0x90):  # PUBACK, SUBACK
            self._last_ack = struct.unpack("!H", body[:2])[0]
            self._last_rc = body[2] if kind == 0x90 else 0
            return kind
        if kind == 0xD0:  # PINGRESP
            return kind
        if kind == 0x30:
            tlen = struct.unpack("!H", body[:2])[0]
            topic, rest = body[2:2 + tlen], body[2 + tlen:]
            qos = (op >> 1) & 3
            if qos:
                pid, rest = rest[:2], rest[2:]
                self.sock.sendall(b"\x40\x02" + pid)
            if self.cb:
                self.cb(topic, rest)
            return None
        return kind

    def check_msg(self):
        self.sock.settimeout(0)
        try:
            first = self.sock.recv(1)
        except (TimeoutError, BlockingIOError):
            return None
        finally:
            self.sock.settimeout(self.timeout)
        if not first:
            raise OSError(104, "connection closed by broker")
        return self._handle(first[0])
