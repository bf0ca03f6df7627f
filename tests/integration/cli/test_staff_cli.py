"""`minyi staff passwd|reset|deactivate|reactivate` against a real database, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import START
from factories import DEMO_PASSWORD
from minyi.core.db import Database
from minyi.core.errors import Unauthorized
from minyi.org.models import ApiToken, Staff
from minyi.org.service import actor_for_token, issue_token, password_matches


def run(args: list[str], db: Database, cwd: Path, stdin: str = "") -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd, input=stdin)


@pytest.fixture
def demo(fresh_demo_db: Database) -> Iterator[Database]:
    return fresh_demo_db


def _token(db: Database, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in as the service does: verify outside any transaction, then issue in a short one."""
    with db.reading() as session:
        staff_id, stored = session.execute(
            select(Staff.id, Staff.password_hash).where(Staff.username == username)
        ).one()
    assert password_matches(stored, password)
    with db.unit_of_work() as session:
        token, _ = issue_token(session, staff_id=staff_id, now=START, ttl=timedelta(hours=1))
    return token


class TestStaffCommands:
    def test_passwd_sets_the_password_and_ends_sign_ins(
        self, demo: Database, tmp_path: Path
    ) -> None:
        token = _token(demo, "clerk")
        r = run(["staff", "passwd", "clerk", "--password", "Fresh2026pass"], demo, tmp_path)
        assert r.returncode == 0, r.stderr
        with demo.reading() as session:
            stored = session.scalar(select(Staff.password_hash).where(Staff.username == "clerk"))
            assert (
                session.scalar(
                    select(ApiToken.revoked_at).where(
                        ApiToken.staff_id == Staff.id, Staff.username == "clerk"
                    )
                )
                is not None
            )
        assert PasswordHasher().verify(stored or "", "Fresh2026pass")
        with demo.reading() as session, pytest.raises(Unauthorized, match="登录已失效"):
            actor_for_token(session, token=token, now=START)

    def test_weak_password_or_unknown_user_exits_2_with_one_line(
        self, demo: Database, tmp_path: Path
    ) -> None:
        for args in (
            ["staff", "passwd", "clerk", "--password", "short"],
            ["staff", "deactivate", "nobody-here"],
        ):
            r = run(args, demo, tmp_path)
            assert r.returncode == 2, r.stderr
            assert len(r.stderr.splitlines()) == 1, r.stderr

    def test_reset_prints_a_working_temporary_password(
        self, demo: Database, tmp_path: Path
    ) -> None:
        r = run(["staff", "reset", "clerk"], demo, tmp_path)
        assert r.returncode == 0, r.stderr
        password = r.stdout.strip().rsplit(": ", 1)[1]
        token = _token(demo, "clerk", password)
        # Someone else saw it: the next sign-in must choose a new one.
        with demo.reading() as session:
            assert actor_for_token(session, token=token, now=START).must_change_password

    def test_passwd_chosen_by_the_operator_is_not_forced_to_change(
        self, demo: Database, tmp_path: Path
    ) -> None:
        assert run(["staff", "reset", "clerk"], demo, tmp_path).returncode == 0
        assert (
            run(
                ["staff", "passwd", "clerk", "--password", "Fresh2026pass"], demo, tmp_path
            ).returncode
            == 0
        )
        with demo.reading() as session:
            assert (
                actor_for_token(
                    session, token=_token(demo, "clerk", "Fresh2026pass"), now=START
                ).must_change_password
                is False
            )

    def test_deactivate_ends_sign_ins_and_reactivate_restores(
        self, demo: Database, tmp_path: Path
    ) -> None:
        token = _token(demo, "clerk")
        assert run(["staff", "deactivate", "clerk"], demo, tmp_path).returncode == 0
        with demo.reading() as session, pytest.raises(Unauthorized, match="登录已失效"):
            actor_for_token(session, token=token, now=START)
        assert run(["staff", "reactivate", "clerk"], demo, tmp_path).returncode == 0
        _token(demo, "clerk")
