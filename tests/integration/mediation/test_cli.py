"""`minyi mediation` against a real database, on both backends: open a dispute, plan and hold
a session, record an agreement, write the 协议书 as PDF, file and rule judicial confirmation,
print the figures; bad input ends with one line and exit code 2, nothing written."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import START
from factories import register_appeal
from minyi.core.db import Database
from minyi.mediation.models import Dispute
from minyi.org.models import Unit
from minyi.services.models import ServiceSite


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def test_dispute_from_the_command_line(fresh_demo_db: Database, tmp_path: Path) -> None:
    db = fresh_demo_db
    case = register_appeal(db, now=START, category="JF-01-01-02", title="漏水", body="楼上漏水")
    with db.reading() as session:
        site = session.scalar(
            select(ServiceSite.id)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(Unit.code == "S01-SITE")
        )
    base = ["mediation", "open", "--case", str(case["id"]), "--site", str(site),
            "--facts", "楼上卫生间漏水", "--matters", "维修与赔偿", "--as", "s01.mediator"]  # fmt: skip
    bad = run([*base, "--party", "applicant|王秀英|123"], db, tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    with db.reading() as session:
        assert session.scalar(select(Dispute.id)) is None
    made = run(
        [*base, "--party", "applicant|王秀英|13800138000|3栋502",
         "--party", "respondent|李建国|13900139000|3栋602", "--json"],
        db,
        tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    d = json.loads(made.stdout)
    assert d["parties"][1]["phone"] == "13900139000"
    planned = run(
        ["mediation", "session", str(d["id"]), "--at", "2026-11-23T10:00", "--as", "s01.mediator"],
        db,
        tmp_path,
    )
    assert planned.returncode == 0, planned.stderr
    session_id = re.search(r"session (\d+)", planned.stdout).group(1)  # type: ignore[union-attr]
    assert (
        run(
            ["mediation", "held", session_id, "--minutes", "双方到场", "--as", "s01.mediator"],
            db,
            tmp_path,
        ).returncode
        == 0
    )
    refused = run(
        ["mediation", "outcome", str(d["id"]), "--outcome", "agreement", "--as", "s01.mediator"],
        db,
        tmp_path,
    )
    assert refused.returncode == 2 and "协议条款" in refused.stderr
    done = run(
        ["mediation", "outcome", str(d["id"]), "--outcome", "agreement",
         "--term", "李建国修复防水层|2026-11-30", "--term", "李建国赔偿3000元|2026-12-05|3000",
         "--performance", "自行维修；转账付清", "--as", "s01.mediator"],
        db,
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 0 and "agreed" in done.stdout, done.stderr
    shown = json.loads(
        run(
            ["mediation", "show", str(d["id"]), "--json", "--as", "s01.mediator"], db, tmp_path
        ).stdout
    )
    agreement = shown["agreements"][0]
    pdf = tmp_path / "agreement.pdf"
    wrote = run(
        ["mediation", "agreement", str(agreement["id"]), "--out", str(pdf), "--as", "s01.mediator"],
        db,
        tmp_path,
    )
    assert wrote.returncode == 0, wrote.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    term = str(agreement["terms"][1]["id"])
    assert (
        run(
            ["mediation", "perform", term, "--note", "已转账", "--as", "s01.mediator"], db, tmp_path
        ).returncode
        == 0
    )
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    filed = run(
        [
            "mediation",
            "file",
            str(agreement["id"]),
            "--court",
            "罗湖区人民法院",
            "--filed-on",
            today,
            "--as",
            "s01.mediator",
        ],
        db,
        tmp_path,
    )
    assert filed.returncode == 0 and "filed" in filed.stdout, filed.stderr
    ruled = run(["mediation", "ruling", str(agreement["id"]), "--ruling", "confirmed", "--ruled-on", today,
                 "--number", "（2026）粤0303民特3号", "--as", "s01.mediator"], db, tmp_path)  # fmt: skip
    assert ruled.returncode == 0 and "confirmed" in ruled.stdout, ruled.stderr
    figures = run(
        ["mediation", "figures", "--since", "2026-11-01", "--until", "2099-12-31"], db, tmp_path
    )
    assert figures.returncode == 0
    assert json.loads(figures.stdout)["司法确认"] == 1
