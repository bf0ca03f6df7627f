"""The outbox page says a sender's last error as a sentence in the page's language; the raw
text (English, a stack's words) stays in the log and the API."""

from __future__ import annotations

import pytest

from minyi.web.console_outbox import error_text
from minyi.web.i18n import Translator


@pytest.mark.parametrize(
    ("raw", "channel", "said"),
    [
        (
            "NotConfigured: no sender configured",
            "sms",
            "尚未配置发送通道（短信网关或邮件服务器），配置后自动发送",
        ),
        (
            "DeliveryError: SMTP refused the recipient: {'a@b.c': (550, b'no')}",
            "email",
            "邮件服务器拒收该收件地址",
        ),
        ("DeliveryError: SMTP 451: try later", "email", "邮件服务器返回错误（代码451）"),
        ("DeliveryError: HTTP 503: busy", "sms", "短信网关返回错误（代码503）"),
        ("TimeoutError: timed out", "email", "连接发送服务器超时"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "email", "无法连接邮件服务器"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "sms", "无法连接短信网关"),
        ("ValueError: something new", "email", "发送失败（详情见日志）"),
        (None, "email", ""),
    ],
)
def test_error_in_chinese(raw: str | None, channel: str, said: str) -> None:
    assert error_text(Translator("zh-CN"), raw, channel) == said


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("DeliveryError: SMTP 451: try later", "The mail server answered with an error (code 451)"),
        (
            "ConnectionRefusedError: [Errno 111] Connection refused",
            "Could not connect to the mail server",
        ),
        ("ValueError: something new", "Sending failed (details in the log)"),
    ],
)
def test_error_in_english(raw: str, said: str) -> None:
    assert error_text(Translator("en"), raw, "email") == said
