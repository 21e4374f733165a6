"""Every read and write of the database lives in this package; views never build queries."""
from . import workspace as advisors, assessments, diagnoses, stats  # noqa: F401
