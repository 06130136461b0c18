"""receipt-gateway: an inline ESC/POS gateway between a till and its receipt printer."""

__version__ = "0.1.0"
