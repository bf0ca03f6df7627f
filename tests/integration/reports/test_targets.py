"""Which units a 批示 on an item goes to, chosen from the item itself."""

from __future__ import annotations

from sqlalchemy import select

from minyi.analytics.models import Alert
from minyi.reports.targets import units_for_items

from .conftest import DAY, District


def test_units_come_from_the_item(district: District) -> None:
    c1, c2 = district.cases["C1"]["tracking_no"], district.cases["C2"]["tracking_no"]
    with district.db.reading() as session:
        alert_id = session.scalar(
            select(Alert.id)
            .where(Alert.kind == "burst", Alert.day == DAY.isoformat())
            .order_by(Alert.id)
        )
        keys = [
            "street:S01",
            f"case:{c1}",
            f"hotspot:{c2}",
            "hot:place:S01C01",
            "hot:matter:TS-01-01-01",
            "mailbox:mailbox_mayor",
            "nothing:here",
            "unit:NOPE",
        ]
        if alert_id is not None:
            keys.append(f"alert:{alert_id}")
        found = units_for_items(session, keys, now=district.clock.now())
    codes = {k: [code for code, _ in v] for k, v in found.items()}
    assert found["street:S01"] == [("S01", "青松街道")]
    assert codes[f"case:{c1}"] == ["DEP01"]  # dispatched: its lead unit
    assert codes[f"hotspot:{c2}"] == ["S01"]  # not dispatched yet: its street
    assert codes["hot:place:S01C01"] == ["S01C01"]
    assert codes["hot:matter:TS-01-01-01"] == ["DEP01"]  # the unit leading that matter lately
    # The mayor's letters are not dispatched yet: no unit behind the item, the form will ask.
    assert codes["mailbox:mailbox_mayor"] == []
    assert codes["nothing:here"] == [] and codes["unit:NOPE"] == []
    if alert_id is not None:
        assert codes[f"alert:{alert_id}"][0] in ("S01", "S01C01")
