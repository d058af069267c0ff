"""What `incident-analytics lab` asks Jupyter to do when it saves a notebook.

The notebooks in a checkout's ``notebooks/`` are source: git holds them without outputs,
execution counts or the ``language_info`` JupyterLab fills in on open (``tests/test_notebooks``
checks this). Running one in JupyterLab and saving it must not turn it into a build product,
so `lab` installs :func:`strip_shipped_notebook` as Jupyter's ``ContentsManager.pre_save_hook``:
a notebook saved directly in ``notebooks/`` is written as source; one saved in a subfolder
(``notebooks/scratch/`` is ignored by git for this) keeps its outputs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["strip_outputs", "strip_shipped_notebook"]

HOOK = f"{__name__}.strip_shipped_notebook"


def strip_outputs(nb: dict[str, Any]) -> dict[str, Any]:
    """``nb`` (nbformat 4 JSON as a dict) as git keeps it: code cells without outputs or
    execution counts, ``language_info`` reduced to the language's name. Changed in place and
    returned; everything else (sources, ids, tags, parameters) is left as it is."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    metadata = nb.get("metadata", {})
    language = metadata.get("language_info")
    if isinstance(language, dict) and "name" in language:
        metadata["language_info"] = {"name": language["name"]}
    return nb


def strip_shipped_notebook(*, model: dict[str, Any], path: str, **_: Any) -> None:
    """Jupyter's pre-save hook: a notebook saved at the top of the root folder (a shipped
    notebook's place) is stripped with :func:`strip_outputs`; anything else is saved as it is.

    ``path`` is Jupyter's API path, relative to the server's root (``notebooks/``).
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    if "/" in path.strip("/"):
        return  # a subfolder, e.g. scratch/: the analyst's own notebook keeps its outputs
    strip_outputs(model["content"])
