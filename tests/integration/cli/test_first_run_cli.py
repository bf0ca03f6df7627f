"""Start-up polish: `minyi --help` imports no command, every command module is listed for lazy
loading, the default database lives in the data directory (never where the command runs), and
`minyi serve --empty` on an empty database loads the district alone and says its URL when ready."""

from __future__ import annotations

import importlib
import os
import pkgutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import minyi.cli as cli_package
from minyi.cases.models import Appeal
from minyi.cli.db import RECONCILE_WINDOW
from minyi.cli.main import COMMANDS, EXTENSIONS, load_command
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.org.models import Staff
from minyi.sla.reconcile import WINDOW
from minyi.wiring import build_registry

MINYI = Path(sys.executable).parent / "minyi"
SRC = Path(__file__).resolve().parents[3] / "src"


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    return (
        env
        | {"PYTHONPATH": str(SRC), "XDG_DATA_HOME": str(tmp / "xdg"), "HOME": str(tmp / "home")}
        | extra
    )


class TestLazyCommands:
    def test_top_level_help_imports_no_command_module_nor_the_database_layer(
        self, tmp_path: Path
    ) -> None:
        probe = (
            "import sys\nfrom typer.testing import CliRunner\nfrom minyi.cli.main import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
            "assert 'report' in r.output and 'serve' in r.output\n"
            "loaded = sorted(m for m in sys.modules if m.startswith(('minyi.cli.', 'minyi.app', 'sqlalchemy', 'minyi.cases')))\n"
            "print(','.join(m for m in loaded if m != 'minyi.cli.main'))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert out.stdout.strip() == ""

    @pytest.mark.parametrize(
        "args",
        [
            ["db", "reconcile", "--help"],
            ["db", "--help"],
            ["calendar", "set-holiday", "--help"],
            ["org", "import", "--help"],
            ["staff", "--help"],
            ["clocks", "policies", "import", "--help"],
        ],
    )
    def test_a_commands_help_imports_neither_the_database_layer_nor_the_domains(
        self, tmp_path: Path, args: list[str]
    ) -> None:
        # A fresh interpreter: this one has imported everything already. Its help is plain text,
        # as the top level's is (rich would import half a second of modules).
        probe = (
            "import sys\nfrom typer.testing import CliRunner\nfrom minyi.cli.main import app\n"
            f"r = CliRunner().invoke(app, {args!r})\nassert r.exit_code == 0, r.output\n"
            "assert 'Usage: ' in r.output and '--help' in r.output, r.output\n"
            "heavy = ('sqlalchemy', 'alembic', 'rich', 'minyi.app', 'minyi.bootstrap',"
            " 'minyi.models', 'minyi.wiring', 'minyi.core.db', 'minyi.sla', 'minyi.cases')\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert out.stdout.strip() == ""

    def test_the_reconcile_commands_window_is_the_workers(self) -> None:
        assert RECONCILE_WINDOW == WINDOW

    def test_every_command_group_of_the_cli_folder_is_listed_with_its_own_help(self) -> None:
        found: dict[str, str] = {}
        for info in pkgutil.iter_modules(cli_package.__path__):
            module = importlib.import_module(f"minyi.cli.{info.name}")
            for name, group in getattr(module, "GROUPS", ()):
                found[name] = group.info.help
        listed = {
            name: help_
            for name, (_, attr, help_) in COMMANDS.items()
            if name not in ("serve", "worker")
        }
        assert listed == found

    def test_every_module_adding_to_a_group_is_listed_with_it(self) -> None:
        groups = {module.rsplit(".", 1)[1] for module, _, _ in COMMANDS.values()}
        found = {
            f"minyi.cli.{info.name}"
            for info in pkgutil.iter_modules(cli_package.__path__)
            if info.name.split("_", 1)[0] in groups and "_" in info.name
        }
        assert found == {m for extensions in EXTENSIONS.values() for m in extensions}

    def test_a_group_loads_with_the_commands_its_sibling_modules_add(self) -> None:
        bench = load_command("bench")
        triage = load_command("triage")
        assert {"reports", "triage"} <= set(bench.commands)  # type: ignore[attr-defined]
        assert "run" in triage.commands  # type: ignore[attr-defined]


class TestDefaultDatabase:
    def test_the_default_database_is_in_the_data_directory_under_xdg_data_home(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for key in list(os.environ):
            if key.startswith("MINYI_"):
                monkeypatch.delenv(key)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        monkeypatch.chdir(tmp_path)
        s = Settings()
        assert s.data_dir == tmp_path / "xdg" / "minyi"
        assert s.database_url == f"sqlite:///{tmp_path / 'xdg' / 'minyi' / 'minyi.db'}"

    def test_a_relative_data_dir_is_made_absolute_for_the_database(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("MINYI_DATABASE_URL", raising=False)
        monkeypatch.chdir(tmp_path)
        s = Settings(data_dir=Path("somewhere"))
        assert s.database_url == f"sqlite:///{tmp_path / 'somewhere' / 'minyi.db'}"

    @pytest.mark.console_script
    def test_a_command_run_anywhere_leaves_nothing_in_its_directory(self, tmp_path: Path) -> None:
        work = tmp_path / "work"
        work.mkdir()
        subprocess.run(
            [str(MINYI), "db", "upgrade"],
            env=clean_env(tmp_path),
            cwd=work,
            capture_output=True,
            check=True,
            timeout=120,
        )
        assert list(work.iterdir()) == []
        assert (tmp_path / "xdg" / "minyi" / "minyi.db").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.console_script
class TestServeEmpty:
    def test_serve_empty_loads_the_district_alone_and_prints_its_url_when_ready(
        self, tmp_path: Path
    ) -> None:
        port = free_port()
        data = tmp_path / "data"
        env = clean_env(
            tmp_path, MINYI_DATA_DIR=str(data), MINYI_PORT=str(port), MINYI_ENVIRONMENT="test"
        )
        proc = subprocess.Popen(
            [str(MINYI), "serve", "--empty"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        lines: list[str] = []
        try:
            deadline = time.monotonic() + 180
            assert proc.stdout is not None
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line.strip())
                if "is ready" in line:
                    break
            assert any(
                f"http://127.0.0.1:{port}" in line and "is ready" in line for line in lines
            ), lines
            assert not any("history" in line for line in lines), lines
            db = Database(f"sqlite:///{data / 'minyi.db'}", registry=build_registry())
            with db.reading() as session:
                assert session.scalar(select(func.count()).select_from(Staff)) > 0
                assert session.scalar(select(func.count()).select_from(Appeal)) == 0
            db.dispose()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
