"""The one place that reads deployment values from the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is optional; the embedded default needs no variables at all.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
