"""The reply check: relevance, missing answer, missing legal basis, missing contact."""

from __future__ import annotations

import pytest

from minyi.triage.replies import ReplyScorer, auc, check_reply

APPEAL = "城市绿洲花园小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。"
GOOD = (
    "网友您好！您反映的城市绿洲花园垃圾中转站臭味问题已收悉。经核实，该中转站除臭设备老化，"
    "区城管局已于3月5日更换除臭设备，并按照《城市生活垃圾管理办法》第十六条的规定每日清洗两次。"
    "如有疑问请联系区城管局环卫科，联系电话：0731-88886666。"
)
COURTESY_ONLY = "网友：您好！您的留言已收悉，感谢您对我们工作的关心和支持。2019年5月9日"
OFF_TOPIC = (
    "经核实，今年全区新增小学学位两千个，学区划分方案已在教育局网站公示，适龄儿童可在六月网上报名，"
    "报名需提供户口簿和房产证明。根据《义务教育法》的规定，联系电话：0731-88887777。"
)


class TestRelevance:
    def test_a_reply_on_the_matter_scores_higher_than_one_off_it(self) -> None:
        assert check_reply(APPEAL, GOOD).relevance > 0.1
        assert check_reply(APPEAL, OFF_TOPIC).relevance < 0.03

    def test_relevance_is_between_zero_and_one(self) -> None:
        assert check_reply(APPEAL, APPEAL).relevance == pytest.approx(1.0)
        assert check_reply(APPEAL, "。").relevance == 0.0

    def test_a_fitted_scorer_weighs_rare_words_more(self) -> None:
        scorer = ReplyScorer.fit([APPEAL, GOOD, OFF_TOPIC, COURTESY_ONLY])
        assert scorer.relevance(APPEAL, GOOD) > scorer.relevance(APPEAL, OFF_TOPIC)


class TestFlags:
    def test_a_complete_reply_passes(self) -> None:
        check = check_reply(APPEAL, GOOD)
        assert (check.missing_answer, check.missing_legal_basis, check.missing_contact) == (
            False,
            False,
            False,
        )
        assert check.ok
        assert check.notes == ()

    def test_courtesy_alone_is_a_missing_answer(self) -> None:
        check = check_reply(APPEAL, COURTESY_ONLY)
        assert (check.missing_answer, check.missing_legal_basis, check.missing_contact) == (
            True,
            True,
            True,
        )
        assert "客套话" in check.notes[0]

    def test_an_answer_to_another_appeal_is_a_missing_answer(self) -> None:
        check = check_reply(APPEAL, OFF_TOPIC)
        assert (check.missing_answer, check.missing_legal_basis, check.missing_contact) == (
            True,
            False,
            False,
        )
        assert "关联度低" in check.notes[0]

    def test_a_refusal_without_a_reason_is_a_missing_answer(self) -> None:
        reply = (
            "经研究，城市绿洲花园垃圾中转站臭味问题不属于我局职责范围，"
            "请自行联系物业公司处理，联系人：王科长。"
        )
        check = check_reply(APPEAL, reply)
        assert check.missing_answer
        assert any("拒绝办理" in n for n in check.notes)

    def test_a_refusal_with_its_reason_is_an_answer(self) -> None:
        reply = (
            "城市绿洲花园垃圾中转站由小区物业公司自建自管，根据《物业管理条例》第三十五条，"
            "不属于我局职责范围，已告知物业公司整改垃圾中转站臭味问题，联系电话：0731-88886666。"
        )
        assert not check_reply(APPEAL, reply).missing_answer

    @pytest.mark.parametrize(
        "basis",
        [
            "《中华人民共和国劳动合同法》",
            "第三十条",
            "按照相关规定",
            "依据物业管理条例",
            "依法查处",
        ],
    )
    def test_legal_basis_is_recognised(self, basis: str) -> None:
        reply = f"关于城市绿洲花园垃圾中转站臭味问题，{basis}，城管局已责令整改，联系人：王科长。"
        assert not check_reply(APPEAL, reply).missing_legal_basis

    @pytest.mark.parametrize(
        "contact",
        ["联系电话：0731-88886666", "请致电13912345678", "联系人：李科长", "咨询电话84562233"],
    )
    def test_a_contact_is_recognised(self, contact: str) -> None:
        reply = f"关于城市绿洲花园垃圾中转站臭味问题，按照规定已责令整改。{contact}。"
        assert not check_reply(APPEAL, reply).missing_contact


class TestAuc:
    def test_perfect_reversed_and_tied_rankings(self) -> None:
        assert auc([3, 4], [1, 2]) == 1.0
        assert auc([1, 2], [3, 4]) == 0.0
        assert auc([1, 1], [1, 1]) == 0.5
        assert auc([2, 1], [1, 0]) == pytest.approx(0.875)
