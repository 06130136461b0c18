"""How to reach the broker: settings from the [mqtt] section, a configured paho client, backoff.

Shared by the gateway client and the `listen` consumer. Credentials come from a password
file (mode 0600 or stricter, owned by the service user or root: gateway.config.secrets) or, only when the config file itself is not world-readable, inline.
"""

from __future__ import annotations

import os
import random
import re
import ssl
import stat
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gateway.config.schema import ConfigError
from gateway.config.secrets import check_secret_file, read_secret


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    tls: bool = False
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    username: str = ""
    password: str = ""
    keepalive: int = 30
    topic_prefix: str = "receipts/v1"

    @classmethod
    def from_section(cls, mqtt_cfg: dict, config_path: str | None = None) -> BrokerSettings:
        url = mqtt_cfg.get("url", "mqtt://localhost:1883")
        m = re.fullmatch(r"(mqtts?)://(\[[^\]]+\]|[^\s/:]+)(?::(\d+))?/?", url)
        if not m:
            raise ConfigError(f"{url!r} is not a broker URL", section="mqtt", key="url", file=config_path,
                              remedy="write mqtt://host:1883 or mqtts://host:8883")
        tls = m.group(1) == "mqtts"
        port = int(m.group(3) or (8883 if tls else 1883))
        password = _password(mqtt_cfg, config_path)
        for key in ("ca_file", "cert_file", "key_file"):
            value = mqtt_cfg.get(key) or ""
            if value and not Path(value).is_file():
                raise ConfigError(f"{value}: no such file", section="mqtt", key=key, file=config_path,
                                  remedy="give the path of the PEM file, or remove the key")
        if (mqtt_cfg.get("cert_file") or mqtt_cfg.get("key_file")) and not tls:
            raise ConfigError("a client certificate needs TLS", section="mqtt", key="url", file=config_path,
                              remedy="use an mqtts:// URL")
        if bool(mqtt_cfg.get("cert_file")) != bool(mqtt_cfg.get("key_file")):
            raise ConfigError("cert_file and key_file go together", section="mqtt", file=config_path,
                              remedy="set both (this gateway's certificate and its private key) or neither")
        if mqtt_cfg.get("key_file"):  # the private key: a secret file like the password
            check_secret_file(mqtt_cfg["key_file"], section="mqtt", key="key_file", config_path=config_path)
        return cls(host=m.group(2).strip("[]"), port=port, tls=tls, ca_file=mqtt_cfg.get("ca_file") or "",
                   cert_file=mqtt_cfg.get("cert_file") or "", key_file=mqtt_cfg.get("key_file") or "",
                   username=mqtt_cfg.get("username") or "", password=password,
                   keepalive=int(mqtt_cfg.get("keepalive_s", 30)),
                   topic_prefix=mqtt_cfg.get("topic_prefix", "receipts/v1"))


def _password(mqtt_cfg: dict, config_path: str | None) -> str:
    inline = mqtt_cfg.get("password") or ""
    pw_file = mqtt_cfg.get("password_file") or ""
    if inline and pw_file:
        raise ConfigError("both password and password_file are set", section="mqtt", key="password",
                          file=config_path, remedy="keep only password_file")
    if inline:
        if config_path and os.stat(config_path).st_mode & stat.S_IROTH:
            raise ConfigError("refusing to start: the broker password is written in a config file that every "
                              "user of this machine can read", section="mqtt", key="password", file=config_path,
                              remedy=f"move it to a password_file with mode 0600, or run `chmod o-r {config_path}`")
        return inline
    if pw_file:  # mode 0600 or stricter, owned by the service user or root
        return read_secret(pw_file, section="mqtt", key="password_file", config_path=config_path)
    return ""


def make_client(settings: BrokerSettings, client_id: str, *, will: tuple[str, bytes] | None = None,
                userdata=None) -> mqtt.Client:
    """A paho 2.x client (MQTT 5, callback API v2) with TLS, credentials and Last Will set; not connected."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                         userdata=userdata)
    client.suppress_exceptions = True  # a callback that raises is logged by paho, the loop goes on
    if settings.tls:
        client.tls_set(ca_certs=settings.ca_file or None, certfile=settings.cert_file or None,
                       keyfile=settings.key_file or None, cert_reqs=ssl.CERT_REQUIRED,
                       tls_version=ssl.PROTOCOL_TLS_CLIENT)
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.connect_timeout = 10
    return client


def connect_properties(session_expiry_s: int) -> Properties:
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = session_expiry_s
    return props


def publish_properties(**values) -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    for key, value in values.items():
        setattr(props, key, value)
    return props


class Backoff:
    """Exponential backoff with full jitter, so thousands of gateways do not reconnect in step."""

    def __init__(self, first_s: float = 0.5, max_s: float = 60.0, rng: random.Random | None = None):
        self.first_s, self.max_s = first_s, max_s
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.max_s, self.first_s * (2 ** self.attempts))
        self.attempts += 1
        return self._rng.uniform(self.first_s / 2, max(ceiling, self.first_s))

    def reset(self) -> None:
        self.attempts = 0
