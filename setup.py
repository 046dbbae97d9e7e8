"""Heron's optional C row builder; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # Optional: without a C compiler Heron installs and runs on its Python loaders.
        Extension(
            "heron.db.query._rowbuild",
            ["heron/db/query/_rowbuild.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
