"""Models: ``Model`` (base.py), ``_meta`` (options.py), the registry and model errors.

Import from ``heron.db``; this package keeps no imports of its own so that fields can
use the registry and errors without importing ``Model``.
"""
