

def need_env(name: str, how: str) -> str:
    """The value of environment variable `name`, or skip the test saying how to set it up."""
    import os

    import pytest

    value = os.environ.get(name)
    if not value:
        pytest.skip(f"set {name}: {how}")
    return value
