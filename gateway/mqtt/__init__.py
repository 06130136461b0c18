"""MQTT delivery: client, topic tree, durable outbox, commands."""
