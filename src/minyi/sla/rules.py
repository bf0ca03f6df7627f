"""Clock policies as data: parsing, checks, and which milestones an action starts or completes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from minyi.core import safe_yaml
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor, Role
from minyi.sla.calendar import CALENDARS

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|h|d)$")
_UNIT = {"m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'10m', '30m', '24h', '3d': in counted time of the milestone's calendar."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"duration '{text}' must look like 10m, 24h or 3d")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z_]{2,30}$")
    name: str
    duration: str
    calendar: str = "natural"
    warn_at: float = Field(
        0.8, gt=0, lt=1, description="share of the duration after which it turns yellow"
    )
    starts_on: list[str] = Field(default_factory=lambda: ["register"])
    completed_by: list[str]
    max_extension: str | None = Field(
        None, description="one extension of up to this much, with approval"
    )

    @field_validator("duration", "max_extension")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("calendar")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if value not in CALENDARS:
            raise ValueError(f"calendar must be one of {', '.join(CALENDARS)}")
        return value

    @property
    def length(self) -> timedelta:
        return parse_duration(self.duration)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    milestones: list[Milestone] = Field(min_length=1)
    reply_approval: bool = Field(
        False,
        description="答复审核: a handler's reply goes to the lead unit's head before the citizen sees it",
    )


class PolicySet(BaseModel):
    """The whole file an administrator edits: policies by code, and channel defaults."""

    model_config = ConfigDict(extra="forbid")

    default: str
    policies: dict[str, Policy]
    channels: dict[str, str] = Field(default_factory=dict)

    def policy(self, code: str | None) -> tuple[str, Policy]:
        code = code if code in self.policies else self.default
        return code, self.policies[code]


def parse_policy_set(text: str) -> PolicySet:
    try:
        data: Any = safe_yaml.load(text)
        result = PolicySet.model_validate(data)
    except yaml.YAMLError as error:
        raise Invalid("bad_policy_yaml", f"not valid YAML: {error}", field="policies") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid("bad_policy", f"{where}: {first['msg']}", field=where) from error
    if result.default not in result.policies:
        raise Invalid(
            "bad_policy", f"default policy '{result.default}' is not defined", field="default"
        )
    for channel, code in result.channels.items():
        if code not in result.policies:
            raise Invalid(
                "bad_policy",
                f"channel {channel} names unknown policy '{code}'",
                field=f"channels.{channel}",
            )
    return result


def choose_policy(
    policies: PolicySet, *, case_override: str | None, leaf_policy: str | None, channel: str | None
) -> str:
    """Per case beats per leaf beats per channel beats the default."""
    for code in (case_override, leaf_policy, policies.channels.get(channel or "")):
        if code and code in policies.policies:
            return code
    return policies.default


def needs_reply_approval(policy: Policy, leaf_setting: bool | None) -> bool:
    """答复审核: the dictionary leaf's setting, where it has one, beats its case's policy (a
    district can ask approval for one sensitive kind of matter under a fast policy, or waive it
    for a routine leaf under the statutory one)."""
    return policy.reply_approval if leaf_setting is None else leaf_setting


# Who may stop a case's clocks (waiting for the citizen's materials) or grant an extension.
PAUSERS = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.DISPATCHER})
EXTENDERS = frozenset({Role.UNIT_HEAD, Role.DISPATCHER, Role.SUPERVISOR})
POLICY_SETTERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
# Who may ask for an extension: the people of the lead unit who do the work.
REQUESTERS = frozenset(
    {Role.UNIT_HANDLER, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF}
)


def check_clock_role(
    actor: Actor, case_unit_ids: set[int | None], allowed: frozenset[Role], what: str
) -> None:
    """Whether the actor may take a clock action on a case whose units are `case_unit_ids`:
    the role must be allowed, and a unit's people must be of the case's lead unit."""
    if actor.role not in allowed:
        raise Forbidden("role_not_allowed", f"role '{actor.role}' may not {what}")
    if actor.role in (Role.UNIT_HANDLER, Role.UNIT_HEAD) and actor.unit_id not in case_unit_ids:
        raise Forbidden("not_handling_unit", f"only the lead unit may {what}")
