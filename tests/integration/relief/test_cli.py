"""`minyi relief` against a real database, on both backends: a window registers an application,
the three reviews, payment, follow-up, list and figures; bad input ends with one line and exit
code 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import CliResult, minyi_env, run_cli
from minyi.core.db import Database


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def test_apply_review_pay_and_follow_up(fresh_demo_db: Database, tmp_path: Path) -> None:
    db = fresh_demo_db
    bad = run(
        ["relief", "apply", "--name", "赵大妈", "--phone", "13811112222", "--address", "和平里5号",
         "--community", "S01C01", "--kind", "nothing", "--request", "困难", "--as", "s01c01.staff"],
        db,
        tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "救助类别" in bad.stderr
    made = run(
        ["relief", "apply", "--name", "赵大妈", "--phone", "13811112222", "--address", "和平里5号",
         "--community", "S01C01", "--kind", "disability", "--request", "肢体残疾，申请帮扶",
         "--document", "残疾证", "--id-number", "11010519491231002X", "--as", "s01c01.staff",
         "--json"],
        db,
        tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    assert app["status"] == "community" and app["id_number"] == "1101**********002X"
    n = str(app["id"])
    early = run(["relief", "review", n, "--step", "approve", "--as", "s01.staff"], db, tmp_path)
    assert early.returncode == 2 and "社区审核" in early.stderr
    for user in ("s01c01.staff", "s01.staff"):
        ok = run(["relief", "review", n, "--step", "approve", "--as", user], db, tmp_path)
        assert ok.returncode == 0, ok.stderr
    done = run(
        ["relief", "review", n, "--step", "approve", "--amount", "1500", "--as", "dep10.head"],
        db,
        tmp_path,
    )
    assert done.returncode == 0 and "已批准待发放" in done.stdout
    paid = run(
        ["relief", "pay", n, "--amount", "1500", "--method", "cash", "--as", "dep10.handler"],
        db,
        tmp_path,
    )
    assert paid.returncode == 0 and "已发放待回访" in paid.stdout, paid.stderr
    visit = run(
        ["relief", "follow-up", n, "--notes", "已到账", "--as", "dep10.handler"], db, tmp_path
    )
    assert visit.returncode == 0 and "已回访办结" in visit.stdout, visit.stderr
    listed = json.loads(
        run(["relief", "list", "--as", "dep10.head", "--json"], db, tmp_path).stdout
    )
    assert listed["total"] == 1 and listed["items"][0]["id_number"] == "11010519491231002X"
    figures = json.loads(run(["relief", "figures", "--days", "3650"], db, tmp_path).stdout)
    assert figures["figures"]["发放金额（元）"] == 1500.0
