"""Customer display screens (Pillow) and their outputs (framebuffer, luma, PNG)."""
