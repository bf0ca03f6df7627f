"""The outbox page says a sender's last error in Chinese."""

from __future__ import annotations

import pytest

from minyi.web.console_outbox import error_zh


@pytest.mark.parametrize(("raw", "said"), [
    ("NotConfigured: no sender configured", "尚未配置发送通道（短信网关或邮件服务器），配置后自动发送"),
    ("DeliveryError: SMTP refused the recipient: {'a@b.c': (550, b'no')}", "邮件服务器拒收该收件地址"),
    ("DeliveryError: SMTP 451: try later", "邮件服务器返回错误（代码451）"),
    ("DeliveryError: HTTP 503: busy", "短信网关返回错误（代码503）"),
    ("TimeoutError: timed out", "连接发送服务器超时"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "无法连接发送服务器"),
    ("ValueError: something new", "发送失败（原因见详情）"),
    (None, ""),
])
def test_error_in_chinese(raw: str | None, said: str) -> None:
    assert error_zh(raw) == said
