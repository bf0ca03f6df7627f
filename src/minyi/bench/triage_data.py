"""Synthetic appeal history for the repeat/crowd benchmarks and tests: realistic-looking
appeals generated from templates (no real data), with repeats, cross-channel duplicates and
crowds in known proportions."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_PLACE_HEADS = (
    "东湖",
    "西苑",
    "南山",
    "北辰",
    "翠竹",
    "金桂",
    "银杏",
    "梧桐",
    "春晖",
    "秋实",
    "滨江",
    "望江",
    "青石",
    "红星",
    "阳光",
    "幸福",
    "和平",
    "新华",
    "文昌",
    "锦绣",
    "长乐",
    "永安",
    "龙泉",
    "凤凰",
)
_PLACE_TAILS = (
    "花园",
    "小区",
    "家园",
    "公寓",
    "新村",
    "雅苑",
    "华府",
    "雅居",
    "名城",
    "佳园",
    "馨苑",
    "御景",
)
_MATTERS = (
    "{p}{n}栋楼下的垃圾桶已经{d}天没人清运，天气热气味很大，招来很多苍蝇",
    "{p}旁边的工地每天晚上十点以后还在施工打桩，噪音很大，老人孩子都睡不好",
    "我在{p}附近的建筑工地干了{d}个月，包工头一直拖欠工资共计{m}元，多次讨要无果",
    "孩子今年九月上小学，户籍在{p}，想咨询学位申请需要准备哪些材料和报名时间",
    "{p}物业擅自上调物业费，电梯坏了{d}天也不修，业主多次找物业都没有结果",
    "{p}门口主干道有{n}盏路灯不亮已经一周多了，晚上出行很不安全",
    "{p}菜市场门口每天早上有流动摊贩占道经营，车辆和行人都过不去",
    "楼上住户卫生间漏水导致我家天花板发霉，住在{p}{n}栋，与对方协商{d}次都没有结果",
    "{p}临街一家餐馆的排烟管道直接对着居民楼，油烟很大，窗户都不敢开",
    "{p}地铁站出口共享单车堆放严重，占用盲道和消防通道",
    "{p}是老旧小区，住户多数是老人，想了解加装电梯的补贴政策和申请流程",
    "{p}今天上午突然停水，事先没有任何通知，到现在{d}个小时了还没有恢复供水",
    "{p}{n}号楼地下车库长期积水，墙皮脱落，车辆进出很危险",
    "{p}南门外的下水道堵塞，污水漫到路面，臭味很大已经{d}天了",
    "{p}小区里有人私自圈地种菜还泼洒粪水，影响环境卫生",
    "{p}对面的广场舞音响每天晚上开到很大声，一直跳到十点多",
    "在{p}买的商品房已经交房{d}年了，开发商一直不给办理不动产证",
    "{p}附近的公交站撤了以后，老人去医院要走{n}公里，很不方便",
    "{p}周边新开的棋牌室通宵营业，经常有人吵闹打架",
    "{p}的幼儿园收费标准每学期涨了{m}元，没有任何公示",
)
_OPENERS = (
    "",
    "您好，",
    "领导好，",
    "你好，我想反映一个问题，",
    "本人是附近居民，",
    "我是一名退休职工，",
)
_REWORD = (
    "我之前反映过，",
    "上次反映的问题还没解决，",
    "再次反映：",
    "已经是第{d}次反映了，",
    "问题依旧存在，",
)
_DETAILS = (
    "已经向社区反映过",
    "打过好几次12345电话",
    "周边住户意见很大",
    "严重影响了正常生活",
    "拍了照片和视频可以提供",
    "不知道该找哪个部门",
    "从{mo}月份开始就这样了",
    "家里有{n}岁的老人身体不好",
    "孩子马上要考试了",
    "物业说不归他们管",
    "街道说要等上级批复",
    "上周{wd}晚上特别严重",
    "附近还有一所小学",
    "之前来人看过一次就没有下文了",
    "我们自己找过对方协商",
    "已经持续{d}天",
    "下雨天更加严重",
    "邻居们都在群里讨论这件事",
    "投诉到环保局说归城管管",
    "有好几户已经准备联名反映",
    "早上六点多就开始了",
)
_CLOSERS = (
    "希望尽快处理。",
    "请相关部门核实处理。",
    "望领导重视，谢谢！",
    "请求帮助解决。",
    "请给予答复。",
    "",
)


def synthetic_appeals(
    n: int,
    *,
    seed: int = 7,
    start: datetime = datetime(2023, 1, 1, tzinfo=UTC),
    span: timedelta = timedelta(days=3 * 365),
) -> Iterator[tuple[int, str | None, str, int | None, datetime, int | None]]:
    """Realistic-looking appeals generated from templates (no real data), as (appeal_id, phone,
    text, community_id, at, matter_id): about 15 % are a citizen's reworded repeat, 3 % the same
    text through another channel, and 1 % start a crowd of 6-12 citizens in one community within
    a few days. The matter is the template's number, as a classifier would give a leaf."""
    rng = random.Random(seed)
    step = span / max(n, 1)
    recent: list[tuple[str | None, int, str, int, str]] = []
    bursts: list[tuple[int, int, str, int]] = []  # (rows left, matter, place, community)
    for i in range(n):
        at = start + step * i
        roll = rng.random()
        if bursts and rng.random() < 0.3:
            left, matter, place, community = bursts.pop(rng.randrange(len(bursts)))
            if left > 1:
                bursts.append((left - 1, matter, place, community))
            phone: str | None = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
            text = _compose(rng, matter, place, rng.choice(_OPENERS))
        elif recent and roll < 0.15:
            phone, matter, place, community, _ = recent[rng.randrange(len(recent))]
            text = _compose(rng, matter, place, rng.choice(_REWORD).format(d=rng.randint(2, 5)))
        elif recent and roll < 0.18:
            phone, matter, place, community, text = recent[rng.randrange(len(recent))]
            phone = phone if rng.random() < 0.5 else None
            text = text + rng.choice(_CLOSERS)
        else:
            phone = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
            matter, community = rng.randrange(len(_MATTERS)), rng.randrange(240)
            place = rng.choice(_PLACE_HEADS) + rng.choice(_PLACE_TAILS)
            text = _compose(rng, matter, place, rng.choice(_OPENERS))
            if roll > 0.99:
                bursts.append((rng.randint(6, 12), matter, place, community))
        recent.append((phone, matter, place, community, text))
        if len(recent) > 5000:
            recent.pop(0)
        yield 10_000_000 + i, phone, text, community, at, matter


def _compose(r: random.Random, matter: int, place: str, opener: str) -> str:
    slots = {
        "p": place,
        "n": r.randint(1, 30),
        "d": r.randint(2, 20),
        "m": r.randint(3, 90) * 1000,
        "mo": r.randint(1, 12),
        "wd": "一二三四五六日"[r.randrange(7)],
    }
    details = "，".join(d.format(**slots) for d in r.sample(_DETAILS, r.randint(1, 3)))
    return opener + _MATTERS[matter].format(**slots) + "，" + details + "，" + r.choice(_CLOSERS)
