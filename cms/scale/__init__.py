"""``manage.py seed_scale``: the portal's data at the scale of a real district, for load tests.

The demo (``cms.demo``) drives every row through the services, which is right for a few hundred
rows and hopeless for millions. Here the rows are computed in Python, exactly as the services
would leave them (the same statuses, timestamps, ledger entries, sealed bids, encrypted ID
numbers and keyed hashes), and streamed into PostgreSQL with ``COPY``. The places come from the
demo's own steps, so the scale data lives in the demo district.

Modules:

- ``sizes``: the default sizes, ``--scale`` and the plan printed by ``--dry-run``;
- ``vocab`` and ``people``: Chinese names, titles and texts; valid ID numbers and phones;
- ``copy``: the COPY writer (id blocks, chunks, timings, the foreign-key check afterwards);
- ``world``: what every step reads (places, clock, staff);
- ``organizations``, ``volunteers``, ``procurement``, ``fund``: the generators;
- ``runner``: the order of the steps, the marker row and the report.

It lives in ``cms`` beside ``seed_demo`` because it writes the tables of every domain app and
reuses the demo's places and vocabulary; ``marketplace`` may not import ``cms``, and ``core`` may
not depend on the apps above it.
"""
