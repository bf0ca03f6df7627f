"""Reply check (答复质量检查) before a case closes: does the reply speak to the appeal, does it
give a legal or policy basis, does it leave a way to reach the unit?

Relevance is the cosine of character-bigram TF-IDF vectors of the appeal and the reply. With no
corpus the weights are per pair (log term frequency), with the bureaucratic courtesy bigrams
(您好, 收悉, 感谢…) dropped, since every reply has them; `ReplyScorer.fit` learns IDF weights
from a district's own appeals and replies instead. The rest are plain patterns.
"""

from __future__ import annotations

import csv
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Below this cosine the reply and the appeal share almost no words (shuffled pairs of real
# appeals and replies mostly score under it; true pairs mostly above).
LOW_RELEVANCE = 0.03
# Fewer characters than this once the courtesy phrases are gone: nothing was answered.
MIN_SUBSTANCE = 20

_STRIP = re.compile(r"[\W_]+")
_COURTESY = re.compile(
    r"网友|您好|你好|留言|来信|来电|来邮|已收悉|收悉|现将|有关情况|相关情况|调查处理情况|处理情况|回复如下|答复如下|"
    r"具体|如下|感谢|谢谢|您对|我们|工作|的|关心|支持|理解|监督|信任|关注|特此|回复|答复|此致|敬礼|"
    r"\d{4}年\d{1,2}月\d{1,2}日|[“”\"'‘’：:，,。.！!？?；;、\s（）()]"
)
_BOILERPLATE = (
    "网友您好您的留言已收悉现将有关情况回复如下感谢您对我们工作的关心支持理解与监督信任针对您反映的问题"
    "经调查核实了解情况答复如下特此回复来信反映此致敬礼年月日关于问题情况"
)
STOP_BIGRAMS = frozenset(_BOILERPLATE[i : i + 2] for i in range(len(_BOILERPLATE) - 1))

LEGAL_BASIS = re.compile(
    r"《[^》]{2,60}》|第[一二三四五六七八九十百千零〇两\d]+条|法律|法规|条例|规定|规章|实施办法|管理办法|"
    r"暂行办法|实施细则|细则|依法|依规|政策|文件精神"
)
CONTACT = re.compile(
    r"联系电话|联系方式|联系人|咨询电话|服务电话|办公电话|值班电话|热线|致电|来电咨询|电话[:：]|"
    r"0\d{2,3}[-－]?\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{7,8}(?!\d)|\d{4}-\d{7,8}"
)
REFUSAL = re.compile(
    r"不予受理|不予支持|不予办理|不予采纳|不属于(?:我|本)|不在(?:我|本)\S{0,6}(?:职责|范围)|无法(?:解决|办理|满足)|"
    r"无权|请自行|建议(?:您)?通过司法|不能解决|暂不(?:能|予)"
)
REASON = re.compile(r"因为|由于|根据|依据|按照|依照|鉴于|原因|所以|因此|《|规定|系(?:因|由)")


@dataclass(frozen=True)
class ReplyCheck:
    relevance: float
    missing_answer: bool
    missing_legal_basis: bool
    missing_contact: bool
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.missing_answer or self.missing_legal_basis or self.missing_contact)

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevance": self.relevance,
            "missing_answer": self.missing_answer,
            "missing_legal_basis": self.missing_legal_basis,
            "missing_contact": self.missing_contact,
            "ok": self.ok,
            "notes": list(self.notes),
        }


def bigrams(text: str) -> Counter[str]:
    flat = _STRIP.sub("", text)
    return Counter(flat[i : i + 2] for i in range(len(flat) - 1))


class ReplyScorer:
    """Relevance of a reply to an appeal: cosine of their character-bigram vectors."""

    def __init__(self, idf: dict[str, float] | None = None, unseen_idf: float = 1.0) -> None:
        self.idf = idf
        self.unseen_idf = unseen_idf

    @classmethod
    def fit(cls, texts: Iterable[str]) -> ReplyScorer:
        """IDF weights from a corpus (appeals and replies alike); smooth, never zero."""
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(bigrams(text).keys())
            n += 1
        idf = {g: math.log((n + 1) / (c + 1)) + 1 for g, c in df.items()}
        return cls(idf, unseen_idf=math.log(n + 1) + 1)

    def vector(self, text: str) -> dict[str, float]:
        counts = bigrams(text)
        if self.idf is None:
            weights = {
                g: 1 + math.log(c)
                for g, c in counts.items()
                if g not in STOP_BIGRAMS and not g.isdigit()
            }
        else:
            weights = {
                g: (1 + math.log(c)) * self.idf.get(g, self.unseen_idf)
                for g, c in counts.items()
                if not g.isdigit()
            }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def relevance(self, appeal_text: str, reply_text: str) -> float:
        a, b = self.vector(appeal_text), self.vector(reply_text)
        if len(a) > len(b):
            a, b = b, a
        return min(1.0, sum(w * b.get(g, 0.0) for g, w in a.items()))


DEFAULT_SCORER = ReplyScorer()


def substance(reply_text: str) -> str:
    """The reply without courtesy phrases, dates and punctuation."""
    return _COURTESY.sub("", reply_text)


def check_reply(
    appeal_text: str, reply_text: str, *, scorer: ReplyScorer | None = None
) -> ReplyCheck:
    relevance = round((scorer or DEFAULT_SCORER).relevance(appeal_text, reply_text), 4)
    notes: list[str] = []
    body = substance(reply_text)
    refused = REFUSAL.search(reply_text)
    missing_answer = False
    if len(body) < MIN_SUBSTANCE:
        missing_answer = True
        notes.append("答复只有客套话或过于简短，未回应诉求内容")
    elif relevance < LOW_RELEVANCE:
        missing_answer = True
        notes.append(f"答复与诉求内容关联度低（{relevance:.2f}），可能答非所问")
    if refused and not REASON.search(reply_text):
        missing_answer = True
        notes.append(f"答复拒绝办理（“{refused.group()}”）但未说明理由或依据")
    missing_legal_basis = LEGAL_BASIS.search(reply_text) is None
    if missing_legal_basis:
        notes.append("未引用法律法规、政策或规定作为依据")
    missing_contact = CONTACT.search(reply_text) is None
    if missing_contact:
        notes.append("未留联系电话或联系人")
    return ReplyCheck(relevance, missing_answer, missing_legal_basis, missing_contact, tuple(notes))


# --- evaluation on a replies file -----------------------------------------------------------


def auc(positives: Iterable[float], negatives: Iterable[float]) -> float:
    """The chance a positive outscores a negative (ties count half): Mann-Whitney U / (n_p n_n)."""
    pos, neg = np.asarray(list(positives), dtype=float), np.asarray(list(negatives), dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    values = np.concatenate([pos, neg])
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # Average rank of each distinct value (1-based), so ties share their ranks.
    upper = np.cumsum(counts)
    ranks = (upper - (counts - 1) / 2)[inverse]
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def read_replies(path: str | Path) -> list[tuple[str, str]]:
    """(appeal text, reply) pairs from a CSV with title, body and reply columns."""
    with open(path, encoding="utf-8", newline="") as f:
        return [
            (f"{row.get('title') or ''}。{row.get('body') or ''}", row.get("reply") or "")
            for row in csv.DictReader(f)
            if (row.get("reply") or "").strip()
        ]


def _quantiles(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {f"p{q}": round(float(np.percentile(arr, q)), 4) for q in (10, 25, 50, 75, 90)}


def evaluate_replies(
    path: str | Path,
    *,
    seed: int = 0,
    write: Callable[[str], Any] | None = sys.stdout.write,
) -> dict[str, Any]:
    """Relevance of the true (appeal, reply) pairs against the same replies shuffled onto other
    appeals (AUC), per pair and with IDF fitted on the file, plus how often each flag fires."""
    pairs = read_replies(path)
    if len(pairs) < 2:
        raise ValueError(f"{path}: fewer than two appeals with a reply")
    order = list(range(len(pairs)))
    rng = random.Random(seed)  # noqa: S311 - a shuffle for evaluation, not security
    while True:
        rng.shuffle(order)
        if all(i != j for i, j in enumerate(order)):
            break
    fitted = ReplyScorer.fit(t for pair in pairs for t in pair)
    result: dict[str, Any] = {"pairs": len(pairs)}
    for name, scorer in (("per_pair", DEFAULT_SCORER), ("fitted_idf", fitted)):
        true = [scorer.relevance(a, r) for a, r in pairs]
        shuffled = [scorer.relevance(pairs[i][0], pairs[j][1]) for i, j in enumerate(order)]
        result[name] = {
            "auc": round(auc(true, shuffled), 4),
            "true": _quantiles(true),
            "shuffled": _quantiles(shuffled),
        }
    checks = [check_reply(a, r) for a, r in pairs]
    shuffled_checks = [check_reply(pairs[i][0], pairs[j][1]) for i, j in enumerate(order)]
    n = len(checks)
    result["flags"] = {
        "missing_answer": round(sum(c.missing_answer for c in checks) / n, 4),
        "missing_answer_shuffled": round(sum(c.missing_answer for c in shuffled_checks) / n, 4),
        "missing_legal_basis": round(sum(c.missing_legal_basis for c in checks) / n, 4),
        "missing_contact": round(sum(c.missing_contact for c in checks) / n, 4),
        "all_ok": round(sum(c.ok for c in checks) / n, 4),
    }
    result["reply_chars"] = _quantiles([float(len(r)) for _, r in pairs])
    if write is not None:
        write(_report(path, result))
    return result


def _report(path: str | Path, r: dict[str, Any]) -> str:
    lines = [f"reply check on {path}: {r['pairs']} appeal/reply pairs"]
    for name in ("per_pair", "fitted_idf"):
        m = r[name]
        lines.append(
            f"  relevance {name:<10} AUC true vs shuffled {m['auc']:.3f}   "
            f"median true {m['true']['p50']:.3f}  shuffled {m['shuffled']['p50']:.3f}   "
            f"p10 true {m['true']['p10']:.3f}  p90 shuffled {m['shuffled']['p90']:.3f}"
        )
    f = r["flags"]
    lines.append(
        f"  flags: missing answer {f['missing_answer']:.1%} "
        f"(shuffled pairs {f['missing_answer_shuffled']:.1%}), "
        f"missing legal basis {f['missing_legal_basis']:.1%}, "
        f"missing contact {f['missing_contact']:.1%}, all ok {f['all_ok']:.1%}"
    )
    return "\n".join(lines) + "\n"
