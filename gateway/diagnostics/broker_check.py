"""Can this box reach the broker with its configured credentials? A real MQTT 5 CONNECT."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass

from gateway.mqtt.broker import BrokerSettings, make_client

AUTH_CODES = {"Not authorized", "Bad user name or password", "Client identifier not valid", "Banned"}


@dataclass(frozen=True)
class BrokerResult:
    ok: bool
    detail: str
    remedy: str | None = None


def check_broker(settings: BrokerSettings, client_id: str, timeout: float = 5.0) -> BrokerResult:
    """Connect, wait for CONNACK, disconnect. `client_id` must differ from the service's own
    (the broker would otherwise disconnect the running gateway)."""
    where = f"{'mqtts' if settings.tls else 'mqtt'}://{settings.host}:{settings.port}"
    who = f" as {settings.username}" if settings.username else " (anonymous)"
    done = threading.Event()
    answer: dict = {}

    def on_connect(client, userdata, flags, reason_code, properties):
        answer["rc"] = reason_code
        done.set()

    try:
        client = make_client(settings, client_id)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return BrokerResult(False, f"cannot set up TLS for {where}: {exc}",
                            "check [mqtt] ca_file, cert_file and key_file are PEM files")
    client.connect_timeout = timeout
    client.on_connect = on_connect
    try:
        client.connect(settings.host, settings.port, keepalive=max(5, settings.keepalive))
    except ssl.SSLCertVerificationError as exc:
        return BrokerResult(False, f"{where}: the broker's certificate is not trusted ({exc.verify_message})",
                            "set [mqtt] ca_file to the CA that signed the broker's certificate, and use the "
                            "broker's name as in its certificate")
    except ssl.SSLError as exc:
        return BrokerResult(False, f"{where}: TLS handshake failed ({exc.reason or exc})",
                            "mqtts:// needs a TLS listener (usually port 8883); check ca_file/cert_file/key_file")
    except ConnectionRefusedError:
        return BrokerResult(False, f"{where}: connection refused (nothing listens on port {settings.port})",
                            "check [mqtt] url (host and port) and that the broker is running")
    except TimeoutError:
        return BrokerResult(False, f"{where}: no answer within {timeout:g} s",
                            "check the network route and firewall between this box and the broker")
    except socket.gaierror as exc:
        return BrokerResult(False, f"{where}: unknown host ({exc.strerror})",
                            "check [mqtt] url and this box's DNS (/etc/resolv.conf)")
    except OSError as exc:
        return BrokerResult(False, f"{where}: {exc.strerror or exc}",
                            "check the network cable/Wi-Fi and [mqtt] url")
    client.loop_start()
    try:
        if not done.wait(timeout):
            return BrokerResult(False, f"{where}: connected but the broker did not answer CONNECT within "
                                f"{timeout:g} s", "is this an MQTT broker port? mqtts:// for a TLS port")
        rc = answer["rc"]
        if rc.is_failure:
            text = str(rc)
            if text in AUTH_CODES:
                return BrokerResult(False, f"{where} refused the credentials{who} ({text})",
                                    "check [mqtt] username and the password file (or the client certificate) "
                                    "against the broker's accounts")
            return BrokerResult(False, f"{where} refused the connection ({text})",
                                "read the broker's log for this client id")
        return BrokerResult(True, f"{where} accepted the connection{who}"
                            f"{' over TLS' if settings.tls else ''}")
    finally:
        client.disconnect()
        client.loop_stop()
