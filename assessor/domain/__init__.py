"""The domain, pure: questionnaires, catalogue, scoring, recommendations, the diagnosis. Plain data in, frozen dataclasses out; no Flask, no database, no WeasyPrint."""
