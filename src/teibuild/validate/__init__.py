"""Validation of TEI files against the edition's customisation (RELAX NG + Schematron).

    from teibuild.validate import validate_paths, Problem
    problems = validate_paths([Path("tei")])   # [] when every file is valid
"""

from __future__ import annotations

from .guidelines import guidelines_html
from .problem import Problem
from .runner import expand, iter_problems, validate_file, validate_paths

__all__ = ["Problem", "expand", "guidelines_html", "iter_problems", "validate_file",
           "validate_paths"]
