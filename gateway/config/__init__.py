"""Strict TOML configuration: schemas per section, errors that name file, line, section and key."""

from gateway.config.schema import Config, ConfigError, Option, Section, parse_address
from gateway.config.sections import SECTIONS, load

__all__ = ["Config", "ConfigError", "Option", "Section", "SECTIONS", "load", "parse_address"]
