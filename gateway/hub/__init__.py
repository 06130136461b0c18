"""The reference receipt hub: stores the gateways' e-receipts, answers scan requests, keeps loyalty points,
serves the receipt pages (`receipt-gateway hub --config FILE`, docs/hub.md). Needs the `hub` extra."""
