"""Writes on volunteering, one module per area; every public name is re-exported here so callers
write ``from marketplace.volunteers import services`` whatever the area."""

from .activities import *  # noqa: F403
from .certificates import *  # noqa: F403
from .registry import *  # noqa: F403
from .roster import *  # noqa: F403
from .signups import *  # noqa: F403
