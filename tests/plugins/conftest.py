"""Plugin tests use the session fixtures demo_store and demo_site from tests/conftest.py."""
