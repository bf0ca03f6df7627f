"""Appeal texts for the demo history and the demo triage model: templates over the demo
district's own places and event-dictionary leaves. Pure code, no I/O; the same rng gives the
same texts. Every estate, road and person is invented."""

from __future__ import annotations

import random

ESTATE_SUFFIXES = ("花园", "家园", "新村", "雅苑", "公寓", "小区")
ROADS = ("人民路", "建设路", "滨河路", "解放路", "文化路", "工业大道", "学府路", "中山路")
OPENINGS = (
    "我是{place}的居民，",
    "{place}这边",
    "反映一下{place}的情况：",
    "您好，{place}",
    "住在{place}，",
    "{place}附近",
)
DETAILS = (
    "已经持续一个多星期了",
    "前后反映过两次还没有解决",
    "周边住户意见很大",
    "家里有老人小孩，影响很大",
    "晚上尤其明显",
    "附近商户和居民都受影响",
    "拍了照片可以提供",
    "问过物业说管不了",
)
ASKS = (
    "希望有关部门尽快处理。",
    "请相关部门核实并给个答复。",
    "麻烦尽快安排人来看看。",
    "希望早日解决，谢谢。",
    "请求协调处理。",
)
CLERK_NOTES = ("来电人情绪平稳。", "来电人要求回电。", "", "", "来电人称可配合现场查看。")
REPLY_TEXTS = (
    "经核实，已安排人员到现场处理，问题已解决，并已电话告知诉求人。",
    "已会同社区现场查看，责令相关方限期整改，后续将持续跟踪。",
    "已联系诉求人说明政策规定和办理渠道，诉求人表示理解。",
    "已协调责任单位完成整改，经回访诉求人认可处理结果。",
)
CONTACT_NOTES = (
    "已电话联系诉求人，约定现场查看时间。",
    "已联系诉求人了解具体情况。",
    "已与诉求人沟通处理方案。",
)
VISIT_NOTES = ("已上门走访诉求人，当面了解情况。", "已到现场查看并与诉求人面谈。")
BOUNCE_REASONS = (
    "该事项不属于本单位职责范围，建议改派属地街道。",
    "经核实该事项由其他部门主管，申请退回重新分拨。",
)


def estate(rng: random.Random, community: str) -> str:
    """An invented estate named after its community: 桂花社区 -> 桂花雅苑."""
    return community.removesuffix("社区") + rng.choice(ESTATE_SUFFIXES)


def place_phrase(rng: random.Random, community: str) -> str:
    if rng.random() < 0.3:
        return f"{community.removesuffix('社区')}{rng.choice(ROADS)}"
    return f"{estate(rng, community)}{rng.randint(1, 30)}栋"


def appeal_text(rng: random.Random, *, matter: str, group: str, community: str) -> tuple[str, str]:
    """(title, body) of one appeal about `matter` (a dictionary leaf) in `community`."""
    place = place_phrase(rng, community)
    body = (
        rng.choice(OPENINGS).format(place=place)
        + f"{matter}的问题（{group}），{rng.choice(DETAILS)}，{rng.choice(ASKS)}"
        + rng.choice(CLERK_NOTES)
    )
    return f"{place}{matter}", body


def training_set(
    leaves: list[tuple[str, str, str]], communities: list[str], *, per_leaf: int, seed: int
) -> tuple[list[str], list[str]]:
    """Texts and leaf-code labels for the demo triage model: `leaves` are (code, level4, level3)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    texts, labels = [], []
    for code, matter, group in leaves:
        for _ in range(per_leaf):
            title, body = appeal_text(
                rng, matter=matter, group=group, community=rng.choice(communities)
            )
            texts.append(f"{title} {body}")
            labels.append(code)
    return texts, labels
