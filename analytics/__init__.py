"""incident-analytics: incident records in, numbers people act on.

Light at import time: heavy libraries (pandas, altair, papermill) are imported by
the functions that need them, so ``incident-analytics --help`` stays fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "connect"]


def connect(db=None, *, wait: float = 30.0, as_of=None, policy=None):
    """Open the warehouse read-only for analysis (see ``analytics.db.connect_reader``)."""
    from analytics.db import connect_reader

    return connect_reader(db, wait=wait, as_of=as_of, policy=policy)
