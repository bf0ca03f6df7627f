"""Deadlines, the order table, task states, letter numbers and titles: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minyi.core.errors import IllegalTransition, Invalid
from minyi.supervision.rules import (
    ORDER_TRANSITIONS,
    LetterKind,
    OrderAction,
    OrderStatus,
    SuggestionRight,
    TaskState,
    TaskStatus,
    check_deadline,
    check_letter,
    full_unit_name,
    letter_number,
    letter_prefix,
    letter_title,
    next_order_status,
    task_state,
    time_left_label,
)

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


class TestCheckDeadline:
    def test_within_days_counts_from_now(self) -> None:
        assert check_deadline(None, 3, NOW) == NOW + timedelta(days=3)

    def test_an_instant_is_kept(self) -> None:
        due = NOW + timedelta(hours=5)
        assert check_deadline(due, None, NOW) == due

    @pytest.mark.parametrize(("deadline", "days"), [(None, None), (NOW + timedelta(days=1), 1)])
    def test_exactly_one_form_is_required(
        self, deadline: datetime | None, days: int | None
    ) -> None:
        with pytest.raises(Invalid) as err:
            check_deadline(deadline, days, NOW)
        assert err.value.details["errors"][0]["field"] == "deadline"

    @pytest.mark.parametrize(
        "deadline", [NOW, NOW - timedelta(seconds=1), NOW + timedelta(days=400)]
    )
    def test_past_or_far_deadlines_are_refused(self, deadline: datetime) -> None:
        with pytest.raises(Invalid):
            check_deadline(deadline, None, NOW)

    def test_a_naive_deadline_is_refused(self) -> None:
        with pytest.raises(Invalid):
            check_deadline(datetime(2026, 12, 1), None, NOW)  # noqa: DTZ001 - the point of the test

    def test_zero_days_is_refused(self) -> None:
        with pytest.raises(Invalid) as err:
            check_deadline(None, 0, NOW)
        assert err.value.details["errors"][0]["field"] == "within_days"


class TestOrderTable:
    @pytest.mark.parametrize("status", list(OrderStatus))
    @pytest.mark.parametrize("action", list(OrderAction))
    def test_every_pair(self, status: OrderStatus, action: OrderAction) -> None:
        expected = ORDER_TRANSITIONS.get((status, action))
        if expected is None:
            with pytest.raises(IllegalTransition) as err:
                next_order_status(status, action)
            assert err.value.details["allowed_actions"] == [
                a.value for (s, a) in ORDER_TRANSITIONS if s is status
            ]
        else:
            assert next_order_status(status, action) is expected

    def test_the_path_is_open_responded_closed(self) -> None:
        s = next_order_status(OrderStatus.OPEN, OrderAction.RESPOND)
        assert next_order_status(s, OrderAction.CLOSE) is OrderStatus.CLOSED


class TestTaskState:
    due = NOW + timedelta(days=1)

    def test_open_and_in_time(self) -> None:
        assert (
            task_state(TaskStatus.OPEN, deadline=self.due, done_at=None, is_breached=False)
            is TaskState.OPEN
        )

    def test_open_after_the_breach(self) -> None:
        assert (
            task_state(TaskStatus.OPEN, deadline=self.due, done_at=None, is_breached=True)
            is TaskState.OVERDUE
        )

    def test_done_in_time(self) -> None:
        assert (
            task_state(TaskStatus.DONE, deadline=self.due, done_at=self.due, is_breached=False)
            is TaskState.DONE
        )

    def test_done_late(self) -> None:
        late = self.due + timedelta(minutes=1)
        assert (
            task_state(TaskStatus.DONE, deadline=self.due, done_at=late, is_breached=True)
            is TaskState.DONE_LATE
        )


class TestLetterNumbers:
    def test_prefix_is_the_district_short_name_and_issuer(self) -> None:
        assert letter_prefix("汀澜区") == "汀澜信督"
        assert letter_prefix("源城") == "源城信督"

    @pytest.mark.parametrize(
        ("kind", "expected"),
        [
            (LetterKind.REMINDER, "汀澜信督提〔2026〕3号"),
            (LetterKind.SUGGESTION, "汀澜信督建〔2026〕3号"),
            (LetterKind.NOTICE, "汀澜信督通〔2026〕3号"),
        ],
    )
    def test_number_per_kind(self, kind: LetterKind, expected: str) -> None:
        assert letter_number("汀澜信督", kind, 2026, 3) == expected

    def test_issuer_names_the_district(self) -> None:
        assert full_unit_name("汀澜区", "区委督查室") == "汀澜区委督查室"
        assert full_unit_name("汀澜区", "区信访局") == "汀澜区信访局"
        assert full_unit_name("汀澜区", "汀澜区信访局") == "汀澜区信访局"
        assert full_unit_name("汀澜区", "交警大队") == "交警大队"


class TestLetterTitle:
    def test_reminder(self) -> None:
        assert (
            letter_title(LetterKind.REMINDER, "加快办理群众诉求件", None)
            == "关于加快办理群众诉求件的提醒函"
        )

    @pytest.mark.parametrize(
        ("right", "middle"),
        [
            (SuggestionRight.IMPROVE_WORK, "改进工作"),
            (SuggestionRight.ACCOUNTABILITY, "追究责任"),
            (SuggestionRight.IMPROVE_POLICY, "完善政策"),
        ],
    )
    def test_suggestion_names_its_right(self, right: SuggestionRight, middle: str) -> None:
        assert (
            letter_title(LetterKind.SUGGESTION, "老旧小区加装电梯", right)
            == f"关于老旧小区加装电梯的{middle}建议函"
        )

    def test_a_subject_written_as_a_title_is_not_doubled(self) -> None:
        assert (
            letter_title(LetterKind.NOTICE, "关于超期件情况的通报", None) == "关于超期件情况的通报"
        )


class TestCheckLetter:
    def test_suggestion_needs_a_right(self) -> None:
        with pytest.raises(Invalid) as err:
            check_letter(LetterKind.SUGGESTION, None, True)
        assert err.value.details["errors"][0]["field"] == "suggestion_right"

    def test_only_suggestions_name_a_right(self) -> None:
        with pytest.raises(Invalid):
            check_letter(LetterKind.REMINDER, SuggestionRight.IMPROVE_WORK, True)

    @pytest.mark.parametrize("kind", [LetterKind.REMINDER, LetterKind.SUGGESTION])
    def test_letters_to_one_unit_need_it(self, kind: LetterKind) -> None:
        right = SuggestionRight.IMPROVE_POLICY if kind is LetterKind.SUGGESTION else None
        with pytest.raises(Invalid) as err:
            check_letter(kind, right, False)
        assert err.value.details["errors"][0]["field"] == "addressee_unit"

    def test_a_notice_may_go_to_all_units(self) -> None:
        check_letter(LetterKind.NOTICE, None, False)


class TestTimeLeftLabel:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (3 * 86_400, "剩余 3天"),
            (2 * 86_400 + 3 * 3_600 + 59, "剩余 2天3小时"),
            (5 * 3_600 + 12 * 60, "剩余 5小时12分"),
            (-5 * 3_600, "超期 5小时"),
            (30, "剩余 不足1分"),
            (-125.5, "超期 2分"),
            (None, None),
        ],
    )
    def test_labels(self, seconds: float | None, text: str | None) -> None:
        assert time_left_label(seconds) == text
