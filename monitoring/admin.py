from . import admin_engine  # noqa: F401  (deadline engine pages)
