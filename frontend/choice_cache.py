"""The rows behind the filter forms' choices (streets, communities, grids, skills, tags), kept in
the process while the tables they were read from are unchanged.

Every list and search page builds a filter form with every street and community of the district;
reading and instantiating them each time cost more than the rest of a signed-in list page. The
rows are read inside ``table_versions.track_reads``, so they are read again after any write to a
table they came from (the same rule as the page cache), and a page or fragment being cached that
uses them depends on those tables too. The cached rows are shared between requests: read only.
"""

import threading
from collections.abc import Callable

from marketplace.core import table_versions

_rows: dict[str, tuple[dict[str, str], object]] = {}
_lock = threading.Lock()


def rows(name: str, read: Callable[[], object]):
    """``read()``'s result (materialised: a list or dict), read again only after a write to a
    table it read."""
    entry = _rows.get(name)
    if entry is not None and table_versions.is_current(entry[0]):
        table_versions.record(entry[0])
        return entry[1]
    with table_versions.track_reads() as recorded:
        value = read()
    with _lock:
        _rows[name] = (dict(recorded), value)
    return value


def clear() -> None:
    with _lock:
        _rows.clear()
