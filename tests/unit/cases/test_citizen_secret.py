"""One citizen secret, whichever the citizen has: four digits are the phone's, anything else is
read as the receipt's tracking code."""

from __future__ import annotations

from minyi.cases.models import Appeal
from minyi.cases.tracking import secret_matches
from minyi.core.ids import new_tracking_code


def appeal(phone: str | None, code_hash: str | None) -> Appeal:
    return Appeal(phone=phone, tracking_code_hash=code_hash)


class TestSecretMatches:
    def test_four_digits_are_the_phones_last_four(self) -> None:
        _code, digest = new_tracking_code()
        assert secret_matches(appeal("13912345678", digest), "5678")
        assert secret_matches(appeal("13912345678", digest), "５６７８")
        assert not secret_matches(appeal("13912345678", digest), "5679")

    def test_the_code_matches_its_own_appeal_only(self) -> None:
        code, digest = new_tracking_code()
        _other, other_digest = new_tracking_code()
        assert secret_matches(appeal(None, digest), code)
        assert secret_matches(appeal(None, digest), code.lower().replace("-", ""))
        assert not secret_matches(appeal(None, other_digest), code)

    def test_an_anonymous_appeal_has_no_digits_and_an_old_one_no_code(self) -> None:
        code, digest = new_tracking_code()
        assert not secret_matches(appeal(None, digest), "0000")
        assert not secret_matches(appeal("13912345678", None), code)
        assert not secret_matches(appeal("13912345678", digest), "")
        assert not secret_matches(appeal("13912345678", digest), None)
