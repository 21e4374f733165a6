"""The PDF report: a diagnosis -> HTML -> PDF, with the restricted fetcher and the cache."""
