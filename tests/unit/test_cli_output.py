"""Tables (rich; wide characters aligned; plain text off a terminal), JSON output and progress display."""

from __future__ import annotations

import json
import unicodedata

import pytest

from client.cli import output, progress
from client.cli.output import emit_json, render_table

ROWS = [("91110000600037341L", "首钢集团有限公司", "BJ", "active"),
        ("91130000MA01HB0011", "Hebei Cement", "HB", "frozen (audit)"),
        ("91120000MA01TJ0011", "天津渤化", "TJ", "active")]
HEADERS = ("entity", "name", "region", "status")


def columns(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def start_of(line: str, value: str) -> int:
    """Where the cell ``value`` starts (a cell follows the two spaces that end the previous one)."""
    at = line.index(value) if line.startswith(value) else line.index("  " + value) + 2
    return columns(line[:at])


class TestPlainTables:
    def test_chinese_names_keep_the_columns_after_them_aligned(self):
        lines = render_table(ROWS, HEADERS, terminal=False).splitlines()
        assert len(lines) == 2 + len(ROWS)
        region_column = {start_of(line, value) for line, value in zip(lines[2:], ("BJ", "HB", "TJ"))}
        assert region_column == {start_of(lines[0], "region")}
        assert {start_of(line, value) for line, value in zip(lines[2:], ("active", "frozen", "active"))} == \
            {start_of(lines[0], "status")}

    def test_plain_text_has_a_header_a_dashed_line_and_no_colour_codes_or_trailing_blanks(self):
        text = render_table(ROWS, HEADERS, terminal=False)
        lines = text.splitlines()
        assert lines[0].split() == list(HEADERS)
        assert set(lines[1]) == {"-", " "}
        assert lines[2].startswith("91110000600037341L  首钢集团有限公司")
        assert "\x1b" not in text and all(line == line.rstrip() for line in lines)

    def test_long_values_are_never_wrapped_or_cut_off_a_terminal(self):
        long = "x" * 300
        [_, _, row] = render_table([(long, "y")], ("a", "b"), terminal=False).splitlines()
        assert row.startswith(long) and row.endswith("y")

    def test_right_aligned_columns(self):
        lines = render_table([("a", "1"), ("b", "100")], ("k", "count"), terminal=False, right=[1]).splitlines()
        assert [len(line) for line in lines[2:]] == [len(lines[0])] * 2

    def test_none_is_an_empty_cell(self):
        assert render_table([("a", None)], ("k", "v"), terminal=False).splitlines()[2] == "a"


class TestTerminalTables:
    def test_a_terminal_gets_styling(self, monkeypatch):
        monkeypatch.setenv("TERM", "xterm-256color")
        monkeypatch.delenv("NO_COLOR", raising=False)
        text = render_table(ROWS, HEADERS, terminal=True)
        assert "\x1b[" in text and "首钢集团有限公司" in text

    def test_without_a_terminal_the_table_is_plain(self, capsys):
        output.show(ROWS, False, rows=ROWS, headers=HEADERS)
        assert "\x1b" not in capsys.readouterr().out

    def test_no_color_and_dumb_terminals_count_as_plain(self, monkeypatch):
        class Tty:
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr("sys.stdout", Tty())
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        assert output.is_terminal()
        monkeypatch.setenv("NO_COLOR", "1")
        assert not output.is_terminal()
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.setenv("TERM", "dumb")
        assert not output.is_terminal()


class TestJson:
    @pytest.mark.parametrize("value", [[{"name": "首钢", "b": 1, "a": [1, 2]}], {"z": None, "a": {"k": "v"}}, []])
    def test_json_output_is_indented_sorted_and_keeps_chinese(self, capsys, value):
        emit_json(value)
        assert capsys.readouterr().out == json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class TestProgress:
    def test_off_a_terminal_the_messages_are_printed_as_they_are(self, capsys):
        with progress.steps("network up") as report:
            report("[channels]")
            report("  ecoledger: BJ, TJ")
        assert capsys.readouterr().err == "[channels]\n  ecoledger: BJ, TJ\n"

    def test_on_a_terminal_the_messages_scroll_above_a_live_status(self, capsys, monkeypatch):
        monkeypatch.setattr(progress, "is_terminal", lambda err=False: True)
        with progress.steps("network up") as report:
            report("[channels]")
            report("  ecoledger: BJ, TJ")
        err = capsys.readouterr().err
        assert "[channels]" in err and "ecoledger: BJ, TJ" in err

    def test_counting_is_silent_off_a_terminal(self, capsys):
        with progress.counting("fetching Permit:Lots") as tick:
            tick(50, 1)
        assert capsys.readouterr() == ("", "")

    def test_counting_on_a_terminal(self, capsys, monkeypatch):
        monkeypatch.setattr(progress, "is_terminal", lambda err=False: True)
        with progress.counting("fetching Permit:Lots") as tick:
            tick(50, 1)
            tick(100, 2)
        assert capsys.readouterr().out == ""

    @pytest.mark.parametrize("total", [3, None])
    def test_a_bulk_load_bar_shows_only_on_a_terminal(self, capsys, monkeypatch, total):
        with progress.bar("loading", total=total) as advance:
            advance()
        assert capsys.readouterr() == ("", "")
        monkeypatch.setattr(progress, "is_terminal", lambda err=False: True)
        with progress.bar("loading", total=total) as advance:
            for _ in range(3):
                advance()
        assert capsys.readouterr().out == ""
