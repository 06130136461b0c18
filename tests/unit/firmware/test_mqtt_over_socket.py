"""The CPython umqtt.simple stand-in, byte for byte, against a fake socket."""

from __future__ import annotations

import pytest

from firmware.fakes.umqtt import over_socket
from firmware.fakes.umqtt.over_socket import MQTTClient, MQTTException


class FakeSocket:
    def __init__(self, incoming: bytes = b""):
        self.incoming = bytearray(incoming)
        self.sent = bytearray()
        self.timeout = None
        self.closed = False

    def sendall(self, data):
        self.sent.extend(data)

    def settimeout(self, t):
        self.timeout = t

    def recv(self, n):
        if not self.incoming:
            if self.timeout == 0:
                raise BlockingIOError
            return b""
        data, self.incoming = bytes(self.incoming[:n]), self.incoming[n:]
        return data

    def close(self):
        self.closed = True


@pytest.fixture
def fake_net(monkeypatch):
    made = []

    def connect(addr, timeout=None):
        made.append(addr)
        return made_socket[0]

    made_socket = [FakeSocket(b"\x20\x02\x00\x00")]
    monkeypatch.setattr(over_socket.socket, "create_connection", connect)
    return made_socket, made


def test_connect_packet_with_will_and_credentials(fake_net):
    sock, made = fake_net
    c = MQTTClient("kiosk-7", "192.168.4.1", port=1883, user="u", password="p", keepalive=30)
    c.set_last_will("t/hello", '{"online":false}', True, 1)
    assert c.connect() is False
    assert made == [("192.168.4.1", 1883)]
    body = (b"\x00\x04MQTT\x04" + bytes([0x02 | 0x04 | 0x08 | 0x20 | 0x80 | 0x40]) + b"\x00\x1e"
            + b"\x00\x07kiosk-7" + b"\x00\x07t/hello" + b'\x00\x10{"online":false}' + b"\x00\x01u" + b"\x00\x01p")
    assert bytes(sock[0].sent) == bytes([0x10, len(body)]) + body


def test_refused_connection_raises(fake_net):
    sock, _ = fake_net
    sock[0] = FakeSocket(b"\x20\x02\x00\x05")  # not authorised
    with pytest.raises(MQTTException):
        MQTTClient("k", "h").connect()


def test_publish_qos1_waits_for_its_puback_and_delivers_messages_meanwhile(fake_net):
    sock, _ = fake_net
    c = MQTTClient("k", "h")
    c.connect()
    got = []
    c.set_callback(lambda t, m: got.append((t, m)))
    s = sock[0]
    s.sent.clear()
    incoming = b"\x30\x07\x00\x03a/bhi"  # a QoS 0 message first, then the PUBACK for packet 1
    s.incoming.extend(incoming + b"\x40\x02\x00\x01")
    c.publish("x/scan", "y" * 200, False, 1)
    assert got == [(b"a/b", b"hi")]
    assert s.sent[:3] == bytes([0x32, 0xD2, 0x01])  # remaining length 210 takes two bytes
    assert s.sent[3:11] == b"\x00\x06x/scan" and s.sent[11:13] == b"\x00\x01"


def test_check_msg_returns_at_once_when_nothing_waits_and_acks_qos1(fake_net):
    sock, _ = fake_net
    c = MQTTClient("k", "h")
    c.connect()
    got = []
    c.set_callback(lambda t, m: got.append(m))
    assert c.check_msg() is None and got == []
    sock[0].incoming.extend(b"\x32\x09\x00\x03a/b\x00\x07ok")
    sock[0].sent.clear()
    c.check_msg()
    assert got == [b"ok"] and bytes(sock[0].sent) == b"\x40\x02\x00\x07"


def test_closed_connection_is_an_oserror(fake_net):
    sock, _ = fake_net
    c = MQTTClient("k", "h")
    c.connect()
    sock[0].timeout = 5
    with pytest.raises(OSError):
        c.wait_msg()
