"""Customer display screens (Pillow) and their outputs (framebuffer, luma, PNG, the kiosk node).

Modules: texts (NL/FR/DE/EN), screens (what each screen says, pure), render (Pillow drawing),
framebuffer (/dev/fbN, RGB565/BGRA), outputs (PNG, luma.lcd/luma.oled, kiosk node), facade
(`Display`, what the loyalty flow calls). See docs/display.md.
"""

from gateway.display.facade import Display
from gateway.display.framebuffer import DisplayError, FbGeometry

__all__ = ["Display", "DisplayError", "FbGeometry"]
