"""The desk forms' errors in a clerk's words: no field names, no English from the schema."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from minyi.core.errors import Conflict, Invalid
from minyi.intake.schemas import AppealIn
from minyi.web.desk_forms import explain_refusal, explain_validation, external_id

LATIN = re.compile(r"[A-Za-z_]{3,}")


def error_of(**fields: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        AppealIn(
            **{"channel": "hotline_12345", "body": "路灯不亮", "phone": "13800138000", **fields}
        )  # type: ignore[arg-type]
    return caught.value


class TestExplainValidation:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"body": ""}, "诉求内容：请填写"),
            ({"phone": None}, "请填写联系电话，或选择匿名"),
            ({"phone": "12345"}, "联系电话：不是有效的手机号或固定电话号码"),
            ({"name": "张" * 61}, "姓名：最多60字"),
            ({"crowd_size": 0}, "来访人数：数值不正确"),
            ({"lat": 22.5}, "位置信息不完整，请重新获取位置"),
        ],
    )
    def test_each_error_reads_in_chinese(self, fields: dict[str, object], expected: str) -> None:
        message = explain_validation(error_of(**fields))
        assert expected in message
        assert LATIN.findall(message) == []


class TestExplainRefusal:
    def test_a_developer_message_becomes_a_clerks_one(self) -> None:
        message = explain_refusal(
            Invalid("unknown_place", "no street with code 'S99'", field="street")
        )
        assert message == "所选地点不存在，请重新选择"

    def test_an_unknown_english_refusal_is_not_shown_as_is(self) -> None:
        assert (
            explain_refusal(Conflict("something_new", "it broke")) == "登记未成功，请核对填写的内容"
        )

    def test_a_chinese_refusal_is_shown_as_is(self) -> None:
        assert (
            explain_refusal(Invalid("missing_field", "不予受理须填写理由")) == "不予受理须填写理由"
        )


class TestFormToken:
    def test_only_a_well_formed_token_becomes_an_external_id(self) -> None:
        assert external_id("desk", "0" * 32) == "desk-" + "0" * 32
        assert external_id("desk", "not-a-token") is None
