"""content_sync: pull XZuFi data, validate it, keep it in a SQLite store.

The pipeline, in module order: ``sources`` (fetch raw documents) -> ``xzufi`` (hardened, streaming parse)
-> ``models`` (pydantic, the contract with the site build) -> ``store`` (SQLite). ``sync`` runs one sync,
``cli`` is the ``portal`` command. Nothing here imports Pelican.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
