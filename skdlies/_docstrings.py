"""Docstring sections shared by several classes, written once and filled in at import."""

from __future__ import annotations

import re
import textwrap

__all__ = ["fill_section", "with_sections"]


def fill_section(doc: str | None, name: str, section: str) -> str | None:
    """``doc`` with the line ``{name}`` replaced by ``section``, indented as that line.

    ``section`` is written without indentation (entries at column 0, their
    descriptions 4 spaces in). Following the placeholder's own indentation
    keeps the result right both where Python keeps the docstring's
    indentation (up to 3.12) and where the compiler strips it (3.13 on).
    """
    if doc is None:
        return None
    pattern = re.compile(rf"^([ \t]*)\{{{name}\}}[ \t]*$", re.MULTILINE)
    if not pattern.search(doc):
        raise ValueError(f"the docstring has no line {{{name}}} to fill")
    block = textwrap.dedent(section).strip("\n")
    return pattern.sub(lambda match: textwrap.indent(block, match.group(1)), doc)


def with_sections(**sections: str):
    """Class decorator: fill each ``{name}`` line of the docstring with ``sections[name]``."""

    def decorate(cls: type) -> type:
        for name, section in sections.items():
            cls.__doc__ = fill_section(cls.__doc__, name, section)
        return cls

    return decorate
