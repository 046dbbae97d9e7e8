"""The ``heron`` command line: development and production servers, routes, shell."""
