"""The procedure catalogue shipped with Làng Số, as data: one module per procedure.

Each ``procedures/<name>.py`` holds ``ENTRY``: ``code``, ``slug``, ``name``, ``sector``,
``department_kind`` (a ``Department.Kind`` value) and ``versions``, a list of dated rule sets
(``effective_from`` ISO date, ``legal_basis``, ``time_limit`` {kind, value, note}, ``fee``
(``fees.py``), ``online_level``, ``result_type``, ``documents``, ``form_schema``
(``formschema.py``)). ``loader.catalogue_load`` turns them into ``Procedure`` and
``ProcedureVersion`` rows; a changed rule set becomes a new version, never an edit.
Sources are cited in each module's docstring and in docs/one-stop.md.
"""

import importlib
import pkgutil
from typing import Any


def entries() -> list[dict[str, Any]]:
    """Every shipped entry, in module-name order."""
    from langso.onestop.catalogue import procedures

    found = []
    for info in sorted(pkgutil.iter_modules(procedures.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{procedures.__name__}.{info.name}")
        found.append(module.ENTRY)
    return found
