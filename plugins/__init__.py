"""Pelican plugins of the portal (PLUGIN_PATHS = ["plugins"])."""
