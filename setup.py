"""Optional C accelerator for the decoder's text path (gateway/printer/_textpath.c).

Everything else is in pyproject.toml. `optional=True`: when the compiler is missing or the
build fails, setuptools warns and installs without it, and the decoder uses its pure-Python
text path (gateway/printer/text_lines.py), which gives the same documents.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("gateway.printer._textpath", ["gateway/printer/_textpath.c"],
                             optional=True)])
