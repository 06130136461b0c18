"""`doctor` against a TLS broker (the shipped hardware/mosquitto config, a throwaway CA)."""

from __future__ import annotations

import pytest

from tests.integration.cli.conftest import gateway_config
from tests.integration.cli.test_doctor import doctor

pytest.importorskip("cryptography", reason="the cryptography package makes the throwaway CA")
from tests.certs import ThrowawayCA  # noqa: E402
from tests.integration.test_mqtt_tls_acl import tls_broker  # noqa: E402,F401  (fixture: mosquitto with TLS + ACL)


def test_tls_broker_with_client_certificate(tmp_path, capsys, tls_broker):  # noqa: F811
    """mqtts:// with the shipped broker config (hardware/mosquitto): right CA and certificate, then a wrong CA."""
    broker, ca = tls_broker
    tls = (f'url = "mqtts://127.0.0.1:{broker.port}"\nca_file = "{ca.crt}"\n'
           f'cert_file = "{ca.dir / "gw-1.crt"}"\nkey_file = "{ca.dir / "gw-1.key"}"')
    cfg = gateway_config(tmp_path, printer='link = "fake"', mqtt=tls)
    code, out = doctor(capsys, cfg)
    assert code == 0, out
    assert f"ok    broker: mqtts://127.0.0.1:{broker.port} accepted the connection (anonymous) over TLS" in out
    other = ThrowawayCA(tmp_path / "other-ca", name="someone else's CA")
    cfg = gateway_config(tmp_path, printer='link = "fake"', mqtt=tls.replace(str(ca.crt), str(other.crt)))
    code, out = doctor(capsys, cfg)
    assert code == 1 and "the broker's certificate is not trusted" in out and "fix: set [mqtt] ca_file" in out
