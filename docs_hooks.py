"""mkdocs hook: a rendered page must not show raw Sphinx roles (`:class:` and the like).

mkdocstrings renders Markdown docstrings; a Sphinx role left in one shows up as text. Each
occurrence is logged as a warning, which fails `mkdocs build --strict` (the nox docs session
and CI build strict).
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger("mkdocs.hooks.docs_hooks")

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|exc|data|mod|obj|const|ref):`?")
PRE = re.compile(r"<pre\b.*?</pre>", re.S)
TAG = re.compile(r"<[^>]+>")


def raw_roles(html: str) -> list[str]:
    """The Sphinx roles in the text of `html`, each with some text after it; code blocks
    (`<pre>`) are left out, as a page may show a role on purpose there."""
    text = TAG.sub("", PRE.sub("", html))
    return [text[m.start() : m.end() + 40].split("\n")[0] for m in ROLE.finditer(text)]


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    for found in raw_roles(html):
        log.warning("%s renders a raw Sphinx role: %s", page.file.src_uri, found)
    return html
