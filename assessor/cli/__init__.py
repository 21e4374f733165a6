"""Every command of the application, registered in one place: ``flask --app assessor --help``.

The commands that check and use the data files (questionnaires, catalogue, score, recommend) are also
entry points of the package (pyproject.toml) under these names, so that they run, and list what is
wrong, when an invalid file stops the application from starting.
"""
from __future__ import annotations

from flask import Flask

from . import accounts, checkins, data, demo, followthrough, report, worker
from .data import catalogue_group, questionnaires_group, recommend_command, score_command

__all__ = ["catalogue_group", "init_app", "questionnaires_group", "recommend_command", "score_command"]

APP_COMMANDS = (data.init_db_command, data.backup_command, data.retention_group, data.translate_group,
                accounts.advisors_cli,
                report.report_group, demo.demo_cli, worker.worker_command, checkins.checkins_group)


def init_app(app: Flask) -> None:
    """Register the commands that need the application on its CLI."""
    for command in APP_COMMANDS:
        app.cli.add_command(command)
