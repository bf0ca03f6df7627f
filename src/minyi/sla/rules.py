"""Clock policies as data and the deadline arithmetic: pure code."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_POLICY = "1-2-3"
# The last milestone of each policy: by then the case must be replied to (first-round closure).
FINAL_MILESTONE: dict[str, timedelta] = {
    "10-30-24": timedelta(hours=24),  # 24 小时明确责任人和首轮办结
    "1-2-3": timedelta(days=3),  # 3 天内办结或阶段性办结回复
    "xf-statutory": timedelta(days=60),  # 信访工作条例: 60 日内办结
}


def final_deadline(policy_code: str, started_at: datetime) -> datetime:
    return started_at + FINAL_MILESTONE.get(policy_code, FINAL_MILESTONE[DEFAULT_POLICY])
