from . import admin_assessment  # noqa: E402,F401  (assessment weighting and 通报批评)
