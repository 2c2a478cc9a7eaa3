"""Sessions: lint, typecheck, tests and docs run by default (and by CI); bench on demand."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = True

SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def _interpreter(version: str) -> str | None:
    """A working ``python<version>``: on PATH, or installed by pyenv but not activated."""
    home = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    pyenv = sorted(glob.glob(os.path.join(home, "versions", f"{version}.*", "bin", "python3")))
    for candidate in (shutil.which(f"python{version}"), *reversed(pyenv)):
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


# Tests run on every supported Python the machine has (the one running nox at least); the
# checks that do not depend on the interpreter run once, on the one running nox.
PYTHONS = {v: path for v in SUPPORTED if (path := _interpreter(v))} or {
    f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable
}
PYTHON = sys.executable
MYPY = "mypy==2.4.1"  # the type check, and the typing test of user-style code
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


@nox.session
@nox.parametrize("python", list(PYTHONS.values()), ids=list(PYTHONS))
def tests(session: nox.Session) -> None:
    """The whole test suite against the bundled emulator, the official SDK beside ours, on
    every supported Python present."""
    session.install("-e", ".[test]", MYPY)
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
    session.install("-e", ".[test]", MYPY, "nox>=2024.4")
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
