"""Every read and write of the database lives in this package; views never build queries."""
from . import assessments  # noqa: F401
