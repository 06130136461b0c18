"""Which changed keys a running service takes at once and which wait for a restart (gateway.reload)."""

from __future__ import annotations

from gateway.config.schema import load_text
from gateway.config.sections import SECTIONS
from gateway.reload import changed, merged, split, value
from tests.unit.minimal_config import MINIMAL

BASE = MINIMAL.format(till="till-1")


def cfg(extra: str = ""):
    return load_text(BASE + extra, SECTIONS, file="gateway.toml")


def test_an_absent_section_equals_its_defaults_and_only_real_changes_count():
    assert changed(cfg(), cfg('[policy]\ndefault = "paper"\n[display]\nlanguage = "en"\n')) == []
    keys = changed(cfg(), cfg('[policy]\ndefault = "qr"\n[display]\nlanguage = "fr"\noutput = "png"\npng_dir = "/tmp/x"\n'))
    live, later = split(keys)
    assert live == [("policy", "default"), ("display", "language")]
    assert later == [("display", "output"), ("display", "png_dir")]


def test_restart_keys_are_not_merged_into_the_running_config():
    old = cfg()
    new = load_text(BASE.replace('link = "none"', 'link = "tcp"\naddress = "10.0.0.9:9100"')
                    + '[policy]\ncard_window_s = 30\n', SECTIONS, file="gateway.toml")
    live, later = split(changed(old, new))
    assert live == [("policy", "card_window_s")] and later == [("printer", "link"), ("printer", "address")]
    running = merged(old, new, live)
    assert value(running, "policy", "card_window_s") == 30
    assert value(running, "printer", "link") == "none", "a restart key must stay as the service started"
    assert changed(running, new) == later, "the next reload still lists what waits for a restart"


def test_adding_or_removing_the_card_key_needs_a_restart():
    with_key = cfg('[loyalty]\nhmac_key_file = "/etc/receipt-gateway/loyalty.key"\n')
    assert split(changed(cfg(), with_key)) == ([], [("loyalty", "hmac_key_file")])
    assert split(changed(with_key, cfg())) == ([], [("loyalty", "hmac_key_file")])
