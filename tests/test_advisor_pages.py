"""The advisor's pages as an advisor reads them (issue 14)."""
from __future__ import annotations

from test_advisor import app, make_advisor  # noqa: F401 (fixtures)


def test_advisors_list_prints_a_header(app):
    make_advisor(app, "a@example.org", regions=["FR-HDF", "FR-OCC"], is_admin=True)
    make_advisor(app, "b@example.org")
    lines = app.test_cli_runner().invoke(args=["advisors", "list"]).output.splitlines()
    assert lines[0].split() == ["id", "email", "role", "state", "regions"]
    assert lines[1].split() == ["1", "a@example.org", "admin", "active", "FR-HDF,", "FR-OCC"]
    assert lines[2].split() == ["2", "b@example.org", "advisor", "active", "-"]
