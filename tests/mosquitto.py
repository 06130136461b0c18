"""The tests' broker: a real mosquitto (see gateway.mqtt.local_broker, shared with the demo)."""

from gateway.mqtt.local_broker import CANDIDATES, Mosquitto, available, binary, free_port

__all__ = ["CANDIDATES", "Mosquitto", "available", "binary", "free_port"]
