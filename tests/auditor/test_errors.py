"""One exception root: every expected failure carries its exit code, so auditor.cli maps them in one place."""

from __future__ import annotations

import pytest

from auditor.assets import RegistryError
from auditor.config import ConfigError
from auditor.errors import AuditorError, ExitCode
from auditor.formats import InputError
from auditor.init_config import InitError
from auditor.liabilities.errors import LiabilitiesConfigError, ProofInputError
from auditor.ops.lock import RunLocked
from auditor.ops.schedule import ScheduleError
from auditor.ops.settings import SettingsError
from auditor.secrets import MissingVariable
from chains.base import DataSourceError

EXPECTED = {
    ConfigError: ExitCode.INPUT, InputError: ExitCode.INPUT, RegistryError: ExitCode.INPUT,
    MissingVariable: ExitCode.INPUT, SettingsError: ExitCode.INPUT, ScheduleError: ExitCode.INPUT,
    ProofInputError: ExitCode.INPUT, LiabilitiesConfigError: ExitCode.INPUT, InitError: ExitCode.INPUT,
    DataSourceError: ExitCode.SOURCE, RunLocked: ExitCode.LOCKED,
}


@pytest.mark.parametrize("error", EXPECTED, ids=lambda error: error.__name__)
def test_every_expected_error_carries_its_exit_code(error: type[Exception]) -> None:
    assert issubclass(error, AuditorError) and error.exit_code == EXPECTED[error]


def test_the_help_lists_every_exit_code_from_the_one_enum(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for code in ExitCode:
        assert f"{int(code):>3}  {code.meaning}" in text
