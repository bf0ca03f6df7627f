"""A small triage model trained on invented appeals of three dictionary leaves, for tests that
need the triage worker job to suggest something (the web panels and their browser journeys)."""

from __future__ import annotations

import random
from typing import Any

from minyi.triage.classifier.training import train_classifier

GARBAGE, STREETLIGHT, FEES = "TS-01-02-07", "TS-01-05-01", "TS-02-01-02"  # DEP02, DEP02, DEP01
TOPICS = {
    GARBAGE: ("垃圾站臭味很大", "垃圾中转站异味刺鼻", "垃圾房气味熏人", "垃圾站夏天臭气熏天"),
    STREETLIGHT: ("路灯不亮", "路灯坏了晚上漆黑", "好几盏路灯不亮", "路灯一直没修好"),
    FEES: ("物业乱收费", "物业费涨价没有公示", "物业收费不合理", "物业多收停车费"),
}
PLACES = ("东湖小区", "西苑家园", "南山花园", "北辰公寓", "翠竹新村", "金桂雅苑")


def toy_model(per_label: int = 24, seed: int = 5) -> Any:
    rng = random.Random(seed)
    texts, labels = [], []
    for leaf, phrases in TOPICS.items():
        for _ in range(per_label):
            a, b = rng.sample(phrases, 2)
            texts.append(f"{rng.choice(PLACES)}{a}，{b}，请尽快处理")
            labels.append(leaf)
    return train_classifier(texts, labels, seed=0)
