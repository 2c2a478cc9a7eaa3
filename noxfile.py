"""Sessions: lint, typecheck, tests and docs run by default (and by CI); bench on demand."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
OFFICIAL_SDK_REQUIREMENTS = [
    "pydantic",
    "pydantic-extra-types",
    "python-dateutil",
    "pytz",
    "requests",
    "tenacity",
]


def _install_official_sdk(session: nox.Session) -> None:
    # Its wheel pins a certifi newer than the registry holds: install its other requirements,
    # then the package itself without them.
    session.install(*OFFICIAL_SDK_REQUIREMENTS)
    session.install("--no-deps", "blockbax-sdk==1.8.1")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite against the bundled emulator, the official SDK beside ours."""
    session.install("-e", ".[test]")
    _install_official_sdk(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.5")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, tests, benchmarks and this file."""
    session.install("-e", ".[test]", "mypy==2.4.1", "nox>=2024.4")
    session.run("mypy", "--strict")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site, built strict (broken links and references fail)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--quiet", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmark table, beside raw aiohttp and the official SDK; JSON and a chart."""
    session.install("-e", ".", "matplotlib")
    _install_official_sdk(session)
    session.run("python", "-m", "benchmarks", *session.posargs)
