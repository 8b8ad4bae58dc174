"""Settings: defaults written once, HAIRKG_* variables, command-line arguments win."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from hairkg.errors import HairkgError
from hairkg.settings import Settings


def test_defaults_need_no_environment() -> None:
    assert Settings.from_env({}) == Settings()


def test_variables_are_read_by_field_type() -> None:
    settings = Settings.from_env(
        {
            "HAIRKG_PORT": "9001",
            "HAIRKG_QUERY_TIMEOUT": "2.5",
            "HAIRKG_QUEUE_TIMEOUT": "0.5",
            "HAIRKG_VALIDATE": "false",
            "HAIRKG_STORE": "memory",
        }
    )
    assert (settings.port, settings.query_timeout, settings.queue_timeout) == (9001, 2.5, 0.5)
    assert settings.validate is False and settings.store == "memory"
    # the pool and the guard get exactly these values
    assert settings.pool.queue_timeout == 0.5 and settings.pool.engine == "memory"
    assert settings.query_limits.max_depth == Settings.max_query_depth


def test_arguments_win_over_variables_and_none_means_not_given() -> None:
    settings = Settings.from_env(
        {"HAIRKG_PORT": "9001", "HAIRKG_WORKERS": "3"}, port=9002, workers=None
    )
    assert (settings.port, settings.workers) == (9002, 3)


def test_no_validate_variable_is_kept() -> None:
    assert Settings.from_env({"HAIRKG_NO_VALIDATE": "1"}).validate is False
    assert Settings.from_env({"HAIRKG_NO_VALIDATE": "0"}).validate is True


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("HAIRKG_PORT", "eighty", "HAIRKG_PORT must be a whole number"),
        ("HAIRKG_QUERY_TIMEOUT", "soon", "HAIRKG_QUERY_TIMEOUT must be a number"),
        ("HAIRKG_VALIDATE", "maybe", "HAIRKG_VALIDATE must be true or false"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(HairkgError, match=says):
        Settings.from_env({variable: value})


def test_serve_help_lists_every_setting_with_its_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hairkg", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for spec in dataclasses.fields(Settings):
        assert f"HAIRKG_{spec.name.upper()}" in result.stdout


def test_a_bad_variable_is_a_clear_cli_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hairkg", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**__import__("os").environ, "HAIRKG_QUERY_TIMEOUT": "soon"},
    )
    assert result.returncode == 2
    assert "HAIRKG_QUERY_TIMEOUT must be a number" in result.stderr
    assert "Traceback" not in result.stderr
