"""The public shapes of sign-in, accounts, units and the organisation import."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from minyi.core.schemas import Out


class TokenOut(Out):
    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_at: datetime
    password_change_required: bool = Field(
        False,
        description="after an administrator's reset: the token serves only the password change, /auth/me and /auth/logout",
    )
    message: str | None = Field(
        None, description="what to do first, when a password change is required"
    )


class MeOut(Out):
    username: str
    name: str
    role: str | None
    unit: str | None
    unit_kind: str | None


class TemporaryPasswordOut(Out):
    username: str
    temporary_password: str = Field(
        description="shown this once; the person changes it on first use"
    )


class UnitOut(Out):
    code: str
    name: str
    kind: str
    path: str


class OrgImportOut(Out):
    units_created: int
    units: int
    staff_created: int
    staff: int


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)
