"""Secret files (broker password, card HMAC key, TLS private key): read only when they are safe.

A secret file must be mode 0600 or stricter (no group or other bits) and owned by the
service user (`receipt-gw`), by root, or by the user running this process. Anything
else is a `ConfigError` that names the file, the config key that points at it, and the
command that fixes it.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from gateway.config.schema import Config, ConfigError, line_of

SERVICE_USER = "receipt-gw"

# (section, key) of every option that names a secret file
SECRET_FILES: tuple[tuple[str, str], ...] = (
    ("mqtt", "password_file"),
    ("mqtt", "key_file"),
    ("loyalty", "hmac_key_file"),
    ("hub", "secret_file"),       # the hub's config (gateway.config.hub): signs sessions and card codes
    ("hub", "card_key_file"),
    ("hub", "api_keys_file"),
)
RELATIVE_TO_CONFIG = {"hub"}      # sections whose relative paths are from the config file's directory


def allowed_owners() -> dict[int, str]:
    owners = {0: "root", os.getuid(): _user_name(os.getuid())}
    try:
        owners[pwd.getpwnam(SERVICE_USER).pw_uid] = SERVICE_USER
    except KeyError:
        pass
    return owners


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check_secret_file(path: str | Path, *, section: str, key: str, config_path: str | None = None,
                      must_exist: bool = True, line: int | None = None) -> bool:
    """Raise ConfigError when the file is missing (if `must_exist`), unreadable or unsafe.

    Returns False when it is missing and `must_exist` is False, True when it is fine.
    """
    p = Path(path)

    def err(message: str, remedy: str) -> ConfigError:
        return ConfigError(message, file=config_path, line=line, section=section, key=key, remedy=remedy)

    try:
        st = p.stat()
    except FileNotFoundError:
        if not must_exist:
            return False
        raise err(f"the secret file {p} does not exist",
                  f"create it: `sudo install -m 600 -o {SERVICE_USER} /dev/null {p}`, then write the secret "
                  "into it (one line)") from None
    except OSError as exc:
        raise err(f"cannot read the secret file {p}: {exc.strerror}",
                  f"check the path and that {SERVICE_USER} may read it") from None
    if not stat.S_ISREG(st.st_mode):
        raise err(f"the secret file {p} is not a regular file", "point the key at the file holding the secret")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise err(f"the secret file {p} has mode {mode:04o}: other users of this machine can read it "
                  "(must be 0600 or stricter)", f"sudo chmod 600 {p}")
    owners = allowed_owners()
    if st.st_uid not in owners:
        raise err(f"the secret file {p} is owned by {_user_name(st.st_uid)} (must be owned by "
                  f"{' or '.join(sorted(set(owners.values())))})", f"sudo chown {SERVICE_USER}: {p}")
    return True


def read_secret(path: str | Path, *, section: str, key: str, config_path: str | None = None) -> str:
    """The secret's text, surrounding whitespace stripped, after `check_secret_file`."""
    check_secret_file(path, section=section, key=key, config_path=config_path)
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the secret file {path}: {exc}", file=config_path, section=section,
                          key=key, remedy=f"check that {SERVICE_USER} may read it") from None
    if not value:
        raise ConfigError(f"the secret file {path} is empty", file=config_path, section=section, key=key,
                          remedy=f"write the secret into {path} (one line)")
    return value


def check_config_secrets(cfg: Config, *, must_exist: bool = True) -> tuple[list[ConfigError], list[str]]:
    """Every secret file the config names: (problems, files not present on this machine)."""
    problems: list[ConfigError] = []
    missing: list[str] = []
    for section, key in SECRET_FILES:
        value = (cfg.get(section) or {}).get(key)
        if not value:
            continue
        if section in RELATIVE_TO_CONFIG and cfg.path and not Path(value).is_absolute():
            value = str(Path(cfg.path).resolve().parent / value)
        try:
            if not check_secret_file(value, section=section, key=key, config_path=cfg.path,
                                     must_exist=must_exist, line=line_of(cfg.text, section, key)):
                missing.append(f"[{section}] {key} = {value}")
        except ConfigError as exc:
            problems.append(exc)
    return problems, missing
