"""The nightly job (``portal nightly``, ``portal rollback``): sync, validate, build, index, check, publish.

A plain package, not a Pelican plugin: it runs ``portal build`` as a child process and imports Pelican only
to read the portal's settings for its report. See ``job`` for the steps and exit codes, ``releases`` for the
release folders and the atomic switch, ``checks`` for what a release must pass, ``report`` for the report.
"""
