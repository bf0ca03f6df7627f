"""人民调解协议书 as a .docx in the layout of a Chinese official document (from supervision's
`official_document()`: the title centred, the number, the parties with their details, the facts
and matters in dispute, the numbered terms agreed, how and by when they are performed, the
signatures of the parties and the mediators, the committee's seal line and the date) and as a
PDF of the same wording (WeasyPrint, set in the machine's Noto CJK fonts). Both are made from a
dispute as its reader may see it (queries.describe), so the privacy policy has already spoken."""

from __future__ import annotations

import io
from datetime import date, datetime
from html import escape
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from minyi.core.errors import NotFound
from minyi.supervision.documents import (
    TITLE_FONT,
    chinese_date,
    line,
    official_document,
)

HEAD_FONT = "SimHei"  # 黑体, for the section headings
TITLE_PT = 22  # 二号
NUMERALS = "一二三四五六七八九十"
SIGN_WIDTH = 18  # characters before 年月日 on a signature line


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def committee_of(site: str) -> str:
    """The people's mediation committee of the site's area (丹枫街道群众诉求服务站 → 丹枫街道人民调解委员会)."""
    for suffix in ("群众诉求服务站", "群众诉求服务中心", "群众诉求服务大厅", "服务站", "服务中心"):
        if site.endswith(suffix):
            return site.removesuffix(suffix) + "人民调解委员会"
    return site + "人民调解委员会"


def _money(amount: str | None) -> str:
    return f"人民币{amount}元" if amount else ""


def agreement_lines(dispute: dict[str, Any], agreement_id: int) -> dict[str, Any]:
    """The wording, before layout: what the tests and both files read."""
    found = [a for a in dispute["agreements"] if a["id"] == agreement_id]
    if not found:
        raise NotFound("agreement_not_found", "没有找到该调解协议")
    a = found[0]
    parties = []
    for p in dispute["parties"]:
        details = [p["name"]]
        if p.get("id_number"):
            details.append(f"身份证号码：{p['id_number']}")
        if p.get("phone"):
            details.append(f"联系电话：{p['phone']}")
        if p.get("address"):
            details.append(f"住址：{p['address']}")
        parties.append(f"{p['side_label']}：" + "，".join(details))
    terms = []
    for t in a["terms"]:
        extra = "；".join(
            x
            for x in (
                _money(t["amount"]) and f"金额{_money(t['amount'])}",
                t["due_on"] and f"履行期限：{chinese_date(t['due_on'])}前",
            )
            if x
        )
        terms.append(f"{numeral(t['position'])}、{t['text']}" + (f"（{extra}）" if extra else ""))
    sides = [p for p in dispute["parties"]]
    copies = len(sides) + 1
    signed_on: date = a["signed_on"]
    return {
        "title": "人民调解协议书",
        "number": f"编号：{a['number']}",
        "parties": parties,
        "facts": dispute["facts"] or "",
        "matters": dispute["matters"] or "",
        "partial": a["is_partial"],
        "terms": terms,
        "performance": a["performance"] or "",
        "copies": f"本协议一式{numeral(copies)}份，当事人、人民调解委员会各持一份，"
        "自各方当事人签名（盖章）、人民调解员签名并加盖人民调解委员会印章之日起生效。",
        "signatures": [f"{p['side_label']}（签名）：" for p in sides],
        "mediators": "、".join(m["name"] for m in dispute["mediators"]),
        "committee": committee_of(dispute["site"]),
        "date": chinese_date(signed_on),
    }


def render_agreement_docx(text: dict[str, Any], *, made_at: datetime) -> bytes:
    doc = official_document()
    line(
        doc,
        text["title"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
    )
    line(doc, text["number"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    line(doc, "")
    for p in text["parties"]:
        line(doc, p, indent=True)
    line(doc, "纠纷主要事实、争议事项：", font=HEAD_FONT)
    line(doc, text["facts"], indent=True)
    line(doc, f"争议事项：{text['matters']}", indent=True)
    intro = (
        "经调解，当事人就部分争议事项自愿达成如下协议："
        if text["partial"]
        else "经调解，当事人自愿达成如下协议："
    )
    line(doc, intro, font=HEAD_FONT)
    for t in text["terms"]:
        line(doc, t, indent=True)
    line(doc, "履行方式、时限：", font=HEAD_FONT)
    line(doc, text["performance"], indent=True)
    line(doc, text["copies"], indent=True)
    line(doc, "")
    for who in [*text["signatures"], f"人民调解员（签名）：{text['mediators']}"]:
        line(doc, who + "　" * max(2, SIGN_WIDTH - len(who)) + "年　月　日")
    line(doc, "")
    line(doc, f"{text['committee']}（印）", align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    line(doc, text["date"], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
    props = doc.core_properties
    props.title, props.subject, props.author = text["title"], text["number"], text["committee"]
    props.created = props.modified = made_at.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_CSS = """
@page { size: A4; margin: 3.7cm 2.6cm 3.5cm 2.8cm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 16pt;
       line-height: 28pt; color: #000; }
h1 { font-size: 22pt; text-align: center; letter-spacing: 0.2em; margin: 0 0 6pt; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.flush { text-indent: 0; }
.number { text-align: right; text-indent: 0; }
.head { font-family: "Noto Sans CJK SC", sans-serif; text-indent: 0; margin-top: 8pt; }
.sign { text-indent: 0; margin-top: 14pt; }
.sign .who { display: inline-block; width: 18em; }
.seal { text-align: right; text-indent: 0; margin-top: 28pt; padding-right: 2em; }
.date { text-align: right; text-indent: 0; padding-right: 2em; }
"""


def agreement_html(text: dict[str, Any]) -> str:
    e = escape
    intro = (
        "经调解，当事人就部分争议事项自愿达成如下协议："
        if text["partial"]
        else "经调解，当事人自愿达成如下协议："
    )
    parts = [
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(text["title"])}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(text['title'])}</h1>",
        f'<p class="number">{e(text["number"])}</p>',
        *(f"<p>{e(p)}</p>" for p in text["parties"]),
        '<p class="head">纠纷主要事实、争议事项：</p>',
        f"<p>{e(text['facts'])}</p>",
        f"<p>争议事项：{e(text['matters'])}</p>",
        f'<p class="head">{e(intro)}</p>',
        *(f"<p>{e(t)}</p>" for t in text["terms"]),
        '<p class="head">履行方式、时限：</p>',
        f"<p>{e(text['performance'])}</p>",
        f"<p>{e(text['copies'])}</p>",
        *(
            f'<p class="sign">{e(s)}' + "&#12288;" * 8 + "年&#12288;月&#12288;日</p>"
            for s in text["signatures"]
        ),
        f'<p class="sign">人民调解员（签名）：{e(text["mediators"])}'
        + "&#12288;" * 4
        + "年&#12288;月&#12288;日</p>",
        f'<p class="seal">{e(text["committee"])}（印）</p>',
        f'<p class="date">{e(text["date"])}</p>',
        "</body></html>",
    ]
    return "".join(parts)


def render_agreement_pdf(text: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # here: costly to import, and only a PDF needs it

    return bytes(HTML(string=agreement_html(text)).write_pdf())
