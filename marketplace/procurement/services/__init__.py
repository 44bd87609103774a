"""Writes on service purchase, one module per stage; every public name is re-exported here so
callers write ``from marketplace.procurement import services`` whatever the stage."""

from .contracts import *  # noqa: F403
from .evaluation import *  # noqa: F403
from .projects import *  # noqa: F403
from .projects import QA_MIN_NOTICE, REQUIRED_DECLARATIONS  # noqa: F401
