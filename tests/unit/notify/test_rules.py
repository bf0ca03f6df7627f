"""The outbox's pure rules: retry schedule, recipient checks, webhook signature, SMS texts."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from minyi.core.errors import Invalid
from minyi.notify.rules import (
    MAX_ATTEMPTS,
    MAX_DELAY,
    check_message,
    gives_up,
    is_mobile,
    receipt_text,
    replied_text,
    retry_delay,
    signature,
)


class TestRetryDelay:
    def test_doubles_from_thirty_seconds(self) -> None:
        assert [retry_delay(n) for n in range(1, 8)] == [
            timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 960, 1920)
        ]

    def test_is_capped_at_one_hour(self) -> None:
        assert retry_delay(8) == MAX_DELAY == timedelta(hours=1)
        assert retry_delay(10_000) == MAX_DELAY

    def test_counts_failed_attempts_from_one(self) -> None:
        with pytest.raises(ValueError, match="from 1"):
            retry_delay(0)

    def test_gives_up_after_max_attempts(self) -> None:
        assert not gives_up(MAX_ATTEMPTS - 1)
        assert gives_up(MAX_ATTEMPTS)

    def test_whole_schedule_outlasts_an_afternoon_outage(self) -> None:
        total = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
        assert total > timedelta(hours=3)


class TestSignature:
    def test_is_hmac_sha256_of_the_exact_body(self) -> None:
        body = '{"text":"已答复"}'.encode()
        expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert signature("s3cret", body) == f"sha256={expected}"

    def test_changes_with_the_key_and_the_body(self) -> None:
        assert signature("a", b"x") != signature("b", b"x")
        assert signature("a", b"x") != signature("a", b"y")


class TestCheckMessage:
    @pytest.mark.parametrize(
        ("channel", "recipient"),
        [
            ("sms", "13912345678"),
            ("email", "citizen@example.org"),
            ("webhook", "https://hooks.example.org/minyi"),
            ("wecom", ""),
            ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
        ],
    )
    def test_accepts_recipients_that_suit_the_channel(self, channel: str, recipient: str) -> None:
        assert check_message(channel, recipient, None) == channel

    @pytest.mark.parametrize(
        ("channel", "recipient"),
        [
            ("sms", "057112345678"),  # a landline takes no SMS
            ("sms", "1391234567"),
            ("email", "not-an-address"),
            ("webhook", "ftp://example.org/x"),
            ("webhook", ""),
            ("wecom", "not a url"),
        ],
    )
    def test_refuses_recipients_that_do_not(self, channel: str, recipient: str) -> None:
        with pytest.raises(Invalid) as caught:
            check_message(channel, recipient, None)
        assert caught.value.code == "bad_recipient"
        assert caught.value.details["errors"][0]["field"] == "recipient"

    def test_refuses_an_unknown_channel(self) -> None:
        with pytest.raises(Invalid) as caught:
            check_message("fax", "01012345678", None)
        assert caught.value.code == "unknown_channel"

    def test_refuses_an_overlong_subject(self) -> None:
        with pytest.raises(Invalid) as caught:
            check_message("email", "a@b.cn", "长" * 201)
        assert caught.value.code == "bad_subject"


class TestTexts:
    def test_mobile_numbers_only(self) -> None:
        assert is_mobile("13912345678")
        assert not is_mobile(None)
        assert not is_mobile("")
        assert not is_mobile("02112345678")

    def test_receipt_names_the_tracking_number(self) -> None:
        assert receipt_text("MY20261120000001") == (
            "【汀澜区民意速办】您的诉求已登记，编号MY20261120000001，可凭编号和手机号后四位查询办理进度。"
        )

    def test_reply_notice_names_the_tracking_number(self) -> None:
        assert replied_text("MY1") == "【汀澜区民意速办】您的诉求（编号MY1）已答复，请查看并评价。"
