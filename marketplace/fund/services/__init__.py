"""Writes on the governance fund, one module per area; every public name is re-exported here so
callers write ``from marketplace.fund import services`` whatever the area."""

from .disbursements import *  # noqa: F403
from .donations import *  # noqa: F403
from .funds import *  # noqa: F403
