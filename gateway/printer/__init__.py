"""ESC/POS decoding, document model, code pages, renderers, links, proxy."""
