"""The customer's choice: a scanned loyalty card decides paper, QR stub or nothing.

- `cardkey`: the retailer's HMAC key and the card HMAC (the only form a card leaves in);
- `session`: per-till card sessions (a scan applies to the next receipt in a window);
- `preference`: what the card wants: the hub (MQTT 5 request/response), a local cache, the default;
- `policy`: store default and "always print" rules decide each receipt's mode and reason;
- `delivery`: the glue with the proxy: holds receipts, decides at the cut, prints the stub.
"""
