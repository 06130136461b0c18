"""Runs first at power-on: free memory before main.py loads the kiosk modules."""

import gc

gc.collect()
