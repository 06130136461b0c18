"""What `doctor`, `print-test` and `status` look at: devices, the broker, the data dir, the clock,
the running service. Each check returns facts; the CLI modules decide how to show them."""
