"""`text_path`: run a test module on both decoder text paths, the C extension and the
pure-Python reference (gateway/printer/text_lines.py). The C case is skipped, with the
reason, when the extension is not built or RG_PURE_PYTHON is set."""

import pytest

from gateway.printer import text_lines


@pytest.fixture(scope="module", params=["C", "Python"])
def text_path(request):
    saved = text_lines.TextLines._fast
    if request.param == "C":
        if text_lines.ACCELERATOR is None:
            pytest.skip(f"C text path not in use: {text_lines.text_path()}")
        text_lines.TextLines._fast = text_lines.ACCELERATOR
    else:
        text_lines.TextLines._fast = None
    yield request.param
    text_lines.TextLines._fast = saved
