"""Fake umqtt.simple: the same MQTTClient API, against one in-memory BROKER.

The broker keeps retained messages, delivers to subscribers on check_msg(),
publishes a client's Last Will when the client is dropped, and can be made to
refuse connections (BROKER.up = False) to exercise the node's reconnect logic.
"""


def _b(x):
    return x.encode() if isinstance(x, str) else bytes(x)


def _matches(pattern, topic):
    p, t = pattern.split("/"), topic.split("/")
    for i, part in enumerate(p):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(p) == len(t)


class Broker:
    def __init__(self):
        self.reset()

    def reset(self):
        self.up = True
        self.clients: list = []
        self.retained: dict = {}
        self.log: list = []  # (topic, payload, retain, qos) every publish seen

    def publish(self, topic, payload, retain=False, qos=0):
        topic, payload = _b(topic).decode(), _b(payload)
        self.log.append((topic, payload, retain, qos))
        if retain:
            self.retained[topic] = payload
        for c in self.clients:
            if any(_matches(s, topic) for s in c.subs):
                c.queue.append((topic.encode(), payload))

    def messages(self, suffix=""):
        return [(t, p) for t, p, _r, _q in self.log if t.endswith(suffix)]

    def drop(self, client):
        """The connection breaks: the broker sends the client's Last Will."""
        if client in self.clients:
            self.clients.remove(client)
            client.connected = False
            if client.will:
                self.publish(*client.will)


BROKER = Broker()


class MQTTException(Exception):
    pass


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        self.client_id, self.server, self.port = client_id, server, port
        self.user, self.password, self.keepalive = user, password, keepalive
        self.cb = None
        self.will = None
        self.subs: list = []
        self.queue: list = []
        self.connected = False
        self.pings = 0

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        self.will = (topic, msg, retain, qos)

    def connect(self, clean_session=True):
        if not BROKER.up:
            raise OSError(111, "ECONNREFUSED")
        self.connected = True
        BROKER.clients.append(self)
        return False

    def _alive(self):
        if not self.connected or not BROKER.up:
            BROKER.drop(self)
            raise OSError(104, "ECONNRESET")

    def disconnect(self):
        if self in BROKER.clients:
            BROKER.clients.remove(self)
        self.connected = False

    def ping(self):
        self._alive()
        self.pings += 1

    def publish(self, topic, msg, retain=False, qos=0):
        self._alive()
        BROKER.publish(topic, msg, retain, qos)

    def subscribe(self, topic, qos=0):
        self._alive()
        topic = _b(topic).decode()
        self.subs.append(topic)
        for t, p in BROKER.retained.items():
            if _matches(topic, t):
                self.queue.append((t.encode(), p))

    def check_msg(self):
        self._alive()
        if self.queue:
            topic, payload = self.queue.pop(0)
            self.cb(topic, payload)

    def wait_msg(self):
        self.check_msg()
