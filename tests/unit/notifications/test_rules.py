"""Where a notice links to and how it is keyed: pure rules."""

from __future__ import annotations

from minyi.notifications.rules import KIND_EN, KIND_ZH, Kind, dedupe_key, link_for


class TestLinks:
    def test_case_kinds_open_the_case(self) -> None:
        for kind in (
            Kind.ASSIGNED,
            Kind.REOPENED,
            Kind.CLOCK_WARNING,
            Kind.CLOCK_BREACH,
            Kind.INSTRUCTION,
            Kind.ORDER,
        ):
            assert link_for(kind, 42) == "/console/cases/42"

    def test_letters_and_work_without_a_case_open_the_tasks_page(self) -> None:
        assert link_for(Kind.LETTER, 42) == "/console/tasks"
        assert link_for(Kind.ORDER, None) == "/console/tasks"
        assert link_for(Kind.ASSIGNED, None) == "/console/tasks"


class TestWords:
    def test_every_kind_has_chinese_and_english_words(self) -> None:
        assert set(KIND_ZH) == set(KIND_EN) == set(Kind)


class TestKeys:
    def test_keys_differ_by_kind_subject_and_occasion(self) -> None:
        keys = {
            dedupe_key(Kind.ASSIGNED, 1),
            dedupe_key(Kind.ORDER, 1),
            dedupe_key(Kind.ASSIGNED, 2),
            dedupe_key(Kind.REOPENED, 1, "2026-11-20T01:00:00+00:00"),
            dedupe_key(Kind.REOPENED, 1, "2026-11-21T01:00:00+00:00"),
        }
        assert len(keys) == 5
        assert all(len(k) <= 120 for k in keys)
