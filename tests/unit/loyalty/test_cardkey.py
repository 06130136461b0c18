"""The card HMAC recipe and the key file's safety checks."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway.config.schema import ConfigError
from gateway.loyalty.cardkey import card_hmac, load_card_key

KEY = b"retailer-secret-0123456789abcdef"


def cfg(tmp_path, *, loyalty=True, source="serial", mode=0o600, content=b"  " + KEY + b"\n"):
    key = tmp_path / "loyalty.key"
    key.write_bytes(content)
    key.chmod(mode)
    c = {"gateway": {"till_id": "t1"}, "scanner": {"source": source}}
    if loyalty:
        c["loyalty"] = {"hmac_key_file": str(key), "key_id": "k7"}
    return c, key


def test_hmac_is_the_documented_recipe(tmp_path):
    c, _ = cfg(tmp_path)
    key = load_card_key(c)
    expected = hmac.new(KEY, b"4006381333931", hashlib.sha256).hexdigest()
    assert key.card("4006 3813 3393 1") == {"hmac": expected, "key_id": "k7"}
    assert card_hmac(KEY, "4006381333931") == expected
    assert "retailer-secret" not in repr(key)


def test_key_readable_by_others_is_refused_with_the_remedy(tmp_path):
    c, path = cfg(tmp_path, mode=0o644)
    with pytest.raises(ConfigError) as err:
        load_card_key(c, file="gw.toml")
    text = str(err.value)
    assert "[loyalty] hmac_key_file" in text and "mode 0644" in text and "other users" in text
    assert f"chmod 600 {path}" in text


def test_scanner_without_loyalty_section_names_the_missing_key(tmp_path):
    c, _ = cfg(tmp_path, loyalty=False)
    with pytest.raises(ConfigError) as err:
        load_card_key(c, file="gw.toml")
    assert "hmac_key_file" in str(err.value) and "gw.toml" in str(err.value)
    c["scanner"]["source"] = "none"
    assert load_card_key(c) is None


@pytest.mark.parametrize("content, words", [(b"", "empty"), (b"short\n", "only 5 bytes")])
def test_empty_or_short_key_is_refused(tmp_path, content, words):
    c, _ = cfg(tmp_path, content=content)
    with pytest.raises(ConfigError, match=words):
        load_card_key(c)


def test_missing_key_file_says_how_to_make_one(tmp_path):
    c, path = cfg(tmp_path)
    path.unlink()
    with pytest.raises(ConfigError, match="does not exist") as err:
        load_card_key(c)
    assert "install -m 600" in str(err.value)


def test_the_hub_computes_the_same_hmac():
    from gateway.hub.auth import card_hmac as hub_card_hmac

    assert hub_card_hmac(KEY, "4006 3813 3393 1") == card_hmac(KEY, "4006381333931")
