"""Tools for the MicroPython kiosk node in `firmware/`: find, check, configure and flash it.

The CLI verb `receipt-gateway firmware` (gateway/cli/firmware.py) is a thin layer over these.
"""
