"""Settings read from the environment: a value that cannot work stops the start, naming its variable."""

from __future__ import annotations

import pytest

from service.config import Config


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("CEKSILANG_CONSENSUS_SETTLE", "60"),  # claims would count their groups themselves first
        ("CEKSILANG_CONSENSUS_SETTLE", "-1"),
        ("CEKSILANG_CONSENSUS_SETTLE", "nan"),
        ("CEKSILANG_CONSENSUS_BUDGET", "inf"),
        ("CEKSILANG_CONSENSUS_BUDGET", "-0.5"),
        ("CEKSILANG_CONSENSUS_BUDGET", "a second"),
        ("CEKSILANG_CONFLICT_WINDOW_DAYS", "-1"),  # a window that ends before it starts
        ("CEKSILANG_CONFLICT_WINDOW_DAYS", "a week"),
    ],
)
def test_a_setting_out_of_range_is_refused_by_name(monkeypatch, name: str, raw: str) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(RuntimeError, match=name):
        Config()


def test_the_consensus_settings_default_and_read_seconds(monkeypatch) -> None:
    assert (Config().CONSENSUS_SETTLE, Config().CONSENSUS_BUDGET) == (20, 1)
    monkeypatch.setenv("CEKSILANG_CONSENSUS_SETTLE", "0")
    monkeypatch.setenv("CEKSILANG_CONSENSUS_BUDGET", "2.5")
    assert (Config().CONSENSUS_SETTLE, Config().CONSENSUS_BUDGET) == (0, 2.5)


def test_a_conflict_window_of_no_days_is_allowed(monkeypatch) -> None:
    monkeypatch.setenv("CEKSILANG_CONFLICT_WINDOW_DAYS", "0")
    assert Config().CONFLICT_WINDOW_DAYS == 0
