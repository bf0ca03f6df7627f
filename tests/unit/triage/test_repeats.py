"""Repeats (重复信访), crowds (涉众) and near-duplicates in the in-memory history index."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from minyi.bench.repeats import bench_history
from minyi.bench.triage_data import synthetic_appeals
from minyi.triage.repeats.fingerprints import (
    hash32,
    minhash,
    minhash_many,
    phone_key,
    similarity,
)
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.packed import PackedMultiMap
from minyi.triage.repeats.signals import IndexConfig, Signals
from minyi.triage.text import normalise

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ME = "13911112222"

GARBAGE = "城市绿洲花园小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。"
GARBAGE_AGAIN = (
    "我上个月反映过城市绿洲花园门口垃圾中转站的臭味问题，到现在还没有处理，臭味依然很大。"
)
GARBAGE_THIRD = "第三次反映：城市绿洲花园垃圾中转站臭味问题还是没人管，垃圾中转站就在小区门口。"
LAMP_3 = "城市绿洲花园小区3栋楼下的路灯坏了一个多月，晚上很黑，请尽快维修。"
LAMP_3_AGAIN = "城市绿洲花园3栋那边的路灯还是不亮，之前反映过，到现在都没有人来修。"
NOISE_3 = "城市绿洲花园小区3栋楼上邻居装修噪音很大，中午也不停，请尽快处理。"
SCHOOL = "孩子今年九月上小学，户籍在东湖街道，想咨询学位申请需要准备哪些材料、什么时候网上报名。"
LAMP = "东湖小区三栋楼下的路灯坏了一个多月没人修，晚上很黑，老人出门摔倒过，请尽快维修路灯。"
LAMP_VARIANTS = (
    "东湖小区三栋楼下路灯坏了一个多月，晚上很黑，请尽快维修。",
    "东湖小区三栋楼下的路灯坏了一个多月没人修，晚上出门很黑，请尽快安排维修。",
    "反映东湖小区三栋楼下的路灯坏了一个多月没人修的问题，晚上很黑，请尽快维修路灯。",
    "您好，东湖小区三栋楼下的路灯坏了一个多月没人修，晚上很黑，请尽快维修路灯，谢谢。",
    "东湖小区三栋楼下路灯坏了一个多月了没人修，晚上太黑，请尽快维修路灯。",
    "东湖小区三栋楼下的路灯坏了一个多月没人来修，晚上很黑，希望尽快维修路灯。",
)


def phone(n: int) -> str:
    return f"1380000{n:04d}"


class TestFingerprints:
    def test_normalize_drops_punctuation_spaces_and_particles_and_folds_full_width(self) -> None:
        assert (
            normalise("您好！我的 ＡＢＣ１２３，路灯坏了。", drop="particles") == "好abc123路灯坏"
        )

    def test_identical_text_is_fully_similar_and_unrelated_text_is_not(self) -> None:
        assert similarity(GARBAGE, GARBAGE) == 1.0
        assert similarity(GARBAGE, SCHOOL) < 0.05

    def test_a_reworded_appeal_keeps_a_fair_share_of_shingles(self) -> None:
        assert 0.2 <= similarity(GARBAGE, GARBAGE_AGAIN) < 0.7

    def test_bulk_fingerprints_equal_single_ones(self) -> None:
        texts = [GARBAGE, "", "路灯", "，。", SCHOOL, "ＡＢ"]
        minima, valid = minhash_many(texts)
        for text, row, ok in zip(texts, minima, valid, strict=True):
            single = minhash(text)
            assert (single is not None) == ok
            if single is not None:
                assert (single == row).all()

    def test_every_full_width_character_is_folded_or_stripped_as_nfkc_would(self) -> None:
        strip = re.compile(r"[\W_的了着呢吗吧啊呀嘛哦么我您你]+")
        for code in range(0xFF01, 0xFF5F):
            for text in (f"路灯{chr(code)}坏", f"路灯{chr(code)}坏Ａ"):
                expected = strip.sub("", unicodedata.normalize("NFKC", text).lower())
                assert normalise(text, drop="particles") == expected, hex(code)

    def test_phone_numbers_are_compared_by_digits(self) -> None:
        assert phone_key("+86 139-1111-2222") == phone_key("13911112222") == 13911112222
        assert phone_key(None) == phone_key("匿名") == 0


class TestRepeats:
    def test_the_first_appeal_is_a_first_appeal(self) -> None:
        signals = HistoryIndex().add(1, ME, GARBAGE, 7, T0)
        assert signals == Signals()
        assert signals.petition_count == 1
        assert signals.is_first

    def test_the_same_citizens_reworded_appeal_is_a_repeat(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        signals = index.add(2, ME, GARBAGE_AGAIN, 7, T0 + timedelta(days=20))
        assert signals.repeat_of == (1,)
        assert signals.petition_count == 2
        assert not signals.is_first
        assert signals.repeat_similarity[0] >= 0.2

    def test_petition_count_follows_the_chain_of_repeats(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        index.add(2, ME, GARBAGE_AGAIN, 7, T0 + timedelta(days=20))
        signals = index.add(3, ME, GARBAGE_THIRD, 7, T0 + timedelta(days=40))
        assert 2 in signals.repeat_of
        assert signals.petition_count == 3

    def test_the_same_citizen_on_another_matter_is_a_first_appeal(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        signals = index.add(2, ME, SCHOOL, 7, T0 + timedelta(days=3))
        assert signals.repeat_of == ()
        assert signals.petition_count == 1

    def test_another_citizen_with_the_same_words_is_not_a_repeat(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        signals = index.add(2, phone(1), GARBAGE, 7, T0 + timedelta(days=1))
        assert signals.repeat_of == ()
        assert signals.near_duplicates == ((1, 1.0),)

    def test_a_repeat_after_the_window_counts_as_a_first_appeal(self) -> None:
        index = HistoryIndex(IndexConfig(repeat_window=timedelta(days=180)))
        index.add(1, ME, GARBAGE, 7, T0)
        assert index.check(ME, GARBAGE_AGAIN, 7, T0 + timedelta(days=179)).repeat_of == (1,)
        assert index.check(ME, GARBAGE_AGAIN, 7, T0 + timedelta(days=181)).repeat_of == ()

    def test_a_phone_written_differently_is_the_same_citizen(self) -> None:
        index = HistoryIndex()
        index.add(1, "+86 139-1111-2222", GARBAGE, 7, T0)
        assert index.check(ME, GARBAGE_AGAIN, 7, T0 + timedelta(days=1)).repeat_of == (1,)

    def test_the_same_matter_in_the_same_community_is_a_repeat(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, LAMP_3, 7, T0, matter_id=41)
        assert index.check(ME, LAMP_3_AGAIN, 7, T0 + timedelta(days=9), matter_id=41).repeat_of == (
            1,
        )
        # The text alone is too different to tell.
        assert index.check(ME, LAMP_3_AGAIN, 7, T0 + timedelta(days=9)).repeat_of == ()

    def test_the_same_matter_without_a_place_needs_some_shared_text(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, None, T0, matter_id=41)
        index.add(2, ME, SCHOOL, None, T0, matter_id=41)
        assert index.check(
            ME, GARBAGE_AGAIN, None, T0 + timedelta(days=9), matter_id=41
        ).repeat_of == (1,)

    def test_another_matter_at_the_same_estate_is_not_a_repeat(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, LAMP_3, 7, T0, matter_id=41)
        assert index.check(ME, NOISE_3, 7, T0 + timedelta(days=9), matter_id=77).repeat_of == ()

    def test_nearly_the_same_text_is_a_repeat_whatever_the_matter(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0, matter_id=41)
        assert index.check(
            ME, GARBAGE + "请回电", 7, T0 + timedelta(days=1), matter_id=77
        ).repeat_of == (1,)

    def test_an_anonymous_appeal_is_never_a_repeat(self) -> None:
        index = HistoryIndex()
        index.add(1, None, GARBAGE, 7, T0)
        assert index.check(None, GARBAGE_AGAIN, 7, T0 + timedelta(days=1)).repeat_of == ()


class TestCrowd:
    def _crowd_index(
        self, citizens: int, *, spacing: timedelta = timedelta(hours=6), community: int = 9
    ) -> HistoryIndex:
        index = HistoryIndex(IndexConfig(crowd_window=timedelta(days=7), crowd_min_phones=5))
        for i in range(citizens):
            index.add(
                100 + i,
                phone(i),
                LAMP_VARIANTS[i % len(LAMP_VARIANTS)],
                community,
                T0 + spacing * i,
            )
        return index

    def test_four_citizens_are_not_yet_a_crowd(self) -> None:
        index = self._crowd_index(3)
        assert index.add(200, phone(50), LAMP, 9, T0 + timedelta(days=1)).crowd is None

    def test_the_fifth_distinct_citizen_forms_a_crowd(self) -> None:
        index = self._crowd_index(4)
        crowd = index.add(200, phone(50), LAMP, 9, T0 + timedelta(days=1)).crowd
        assert crowd is not None
        assert crowd.cluster_id == 100  # named by its first appeal
        assert (crowd.size, crowd.distinct_phones) == (5, 5)
        assert set(crowd.members) == {100, 101, 102, 103}

    def test_the_cluster_keeps_its_id_as_it_grows(self) -> None:
        index = self._crowd_index(5)
        crowd = index.add(200, phone(50), LAMP, 9, T0 + timedelta(days=2)).crowd
        assert crowd is not None
        assert (crowd.cluster_id, crowd.size, crowd.distinct_phones) == (100, 6, 6)

    def test_one_citizen_many_times_is_not_a_crowd(self) -> None:
        index = HistoryIndex()
        for i in range(6):
            index.add(100 + i, ME, LAMP_VARIANTS[i], 9, T0 + timedelta(hours=i))
        signals = index.check(ME, LAMP, 9, T0 + timedelta(days=1))
        assert signals.crowd is None
        assert signals.petition_count == 7

    def test_appeals_spread_beyond_the_window_are_not_a_crowd(self) -> None:
        index = self._crowd_index(4, spacing=timedelta(days=3))
        assert index.check(phone(50), LAMP, 9, T0 + timedelta(days=12)).crowd is None

    def test_another_community_is_another_crowd(self) -> None:
        index = self._crowd_index(4)
        assert index.check(phone(50), LAMP, 10, T0 + timedelta(days=1)).crowd is None
        assert index.check(phone(50), LAMP, None, T0 + timedelta(days=1)).crowd is None

    def test_a_different_matter_in_the_same_community_is_not_part_of_the_crowd(self) -> None:
        index = self._crowd_index(6)
        assert index.check(phone(50), SCHOOL, 9, T0 + timedelta(days=2)).crowd is None

    def test_a_bulk_load_settles_clusters_like_live_adds(self) -> None:
        rows = [
            (100 + i, phone(i), LAMP_VARIANTS[i], 9, T0 + timedelta(hours=6 * i)) for i in range(6)
        ]
        live = HistoryIndex()
        for row in rows:
            live.add(*row)
        bulk = HistoryIndex()
        bulk.add_many(rows)
        query = (phone(50), LAMP, 9, T0 + timedelta(days=2))
        assert bulk.check(*query) == live.check(*query)
        assert bulk.check(*query).crowd is not None


class TestNearDuplicates:
    def test_the_same_text_through_another_channel_is_a_near_duplicate(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        index.add(2, phone(1), SCHOOL, 3, T0)
        signals = index.check(None, GARBAGE + "请回电。", None, T0 + timedelta(hours=2))
        assert [i for i, _ in signals.near_duplicates] == [1]
        assert signals.near_duplicates[0][1] >= 0.8

    def test_a_reworded_appeal_is_not_a_near_duplicate(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        assert index.check(phone(1), GARBAGE_AGAIN, 7, T0 + timedelta(days=1)).near_duplicates == ()

    def test_near_duplicates_are_searched_within_their_window(self) -> None:
        index = HistoryIndex(IndexConfig(duplicate_window=timedelta(days=30)))
        index.add(1, ME, GARBAGE, 7, T0)
        assert index.check(None, GARBAGE, None, T0 + timedelta(days=31)).near_duplicates == ()

    def test_near_duplicates_are_found_among_many_appeals(self) -> None:
        index = HistoryIndex()
        index.add_many(
            synthetic_appeals(3000, start=T0 - timedelta(days=300), span=timedelta(days=300))
        )
        index.add(99, ME, GARBAGE, 7, T0)
        assert 99 in [
            i for i, _ in index.check(None, GARBAGE, 3, T0 + timedelta(hours=1)).near_duplicates
        ]


class TestIndexMechanics:
    def test_check_does_not_add(self) -> None:
        index = HistoryIndex()
        index.check(ME, GARBAGE, 7, T0)
        assert len(index) == 0

    def test_adding_an_appeal_twice_changes_nothing(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, GARBAGE, 7, T0)
        index.add(1, ME, GARBAGE, 7, T0)
        assert len(index) == 1
        assert index.check(ME, GARBAGE, 7, T0, appeal_id=1).repeat_of == ()

    def test_merging_pending_rows_gives_the_same_answers(self) -> None:
        rows = list(synthetic_appeals(400, start=T0, span=timedelta(days=20)))
        small = HistoryIndex(IndexConfig(merge_every=7))
        big = HistoryIndex()
        for appeal_id, who, text, community, at, matter in rows[:-50]:
            assert small.add(appeal_id, who, text, community, at, matter_id=matter) == big.add(
                appeal_id,
                who,
                text,
                community,
                at,
                matter_id=matter,
            )
        for _, who, text, community, at, matter in rows[-50:]:
            assert small.check(who, text, community, at, matter_id=matter) == big.check(
                who, text, community, at, matter_id=matter
            )

    def test_bulk_and_live_loading_agree_on_repeats(self) -> None:
        rows = list(synthetic_appeals(600, start=T0, span=timedelta(days=60)))
        live, bulk = HistoryIndex(), HistoryIndex()
        for appeal_id, who, text, community, at, matter in rows[:500]:
            live.add(appeal_id, who, text, community, at, matter_id=matter)
        bulk.add_many(rows[:500])
        bulk.compact()
        for _, who, text, community, at, matter in rows[500:]:
            a = live.check(who, text, community, at, matter_id=matter)
            b = bulk.check(who, text, community, at, matter_id=matter)
            assert (a.repeat_of, a.petition_count, a.near_duplicates) == (
                b.repeat_of,
                b.petition_count,
                b.near_duplicates,
            )

    def test_an_empty_text_gives_no_signals(self) -> None:
        index = HistoryIndex()
        index.add(1, ME, "", 7, T0)
        assert index.check(ME, "。", 7, T0) == Signals()

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            HistoryIndex().add(1, ME, GARBAGE, 7, datetime(2026, 3, 2))  # noqa: DTZ001 - the point of the test

    def test_the_bench_helper_reports_its_figures(self) -> None:
        result = bench_history(2000, checks=50)
        assert result["appeals"] == 2000
        assert {"p50_ms", "p99_ms", "rss_mb", "build_s", "index_mb"} <= set(result)
        assert 0 < result["p50_ms"] <= result["p99_ms"]


class TestPackedMultiMap:
    """The lookups behind the index: rows of a key in insertion order, the newest `cap`."""

    def test_it_answers_as_a_dict_of_lists_does(self) -> None:
        rng = random.Random(3)
        # Keys that share their high or their low 16 bits, where the packing could mix them up.
        keys = [h << 16 | lo for h in (0, 1, 0xFFFF) for lo in (0, 1, 0xFFFE, 0xFFFF)]
        packed, plain = PackedMultiMap(), {k: [] for k in keys}
        row = 0
        for round_ in range(6):
            batch = [rng.choice(keys) for _ in range(50)]
            rows = np.arange(row, row + len(batch))
            if round_ % 2:
                packed.add_bulk(np.array(batch, dtype=np.uint32), rows)
            else:
                for key, r in zip(batch, rows.tolist(), strict=True):
                    packed.add(key, r)
            for key, r in zip(batch, rows.tolist(), strict=True):
                plain[key].append(r)
            row += len(batch)
            for cap in (1, 7, 1000):
                got = packed.lookup(keys, cap)
                assert [g.tolist() for g in got] == [plain[k][-cap:] for k in keys]
        packed.merge()
        assert len(packed) == row
        assert [g.tolist() for g in packed.lookup(keys, 1000)] == [plain[k] for k in keys]

    def test_an_unknown_key_has_no_rows(self) -> None:
        packed = PackedMultiMap()
        packed.add_bulk(np.array([5, 70_000], dtype=np.uint32), np.array([0, 1]))
        assert [g.tolist() for g in packed.lookup([6, 70_001, 2**32 - 1], 10)] == [[], [], []]


# Two phones whose 32-bit lookup keys are equal: the lookup finds both, the exact phone decides.
COLLIDING = ("13385453673", "19327883819")


class TestIndexMemory:
    def test_phones_sharing_a_lookup_key_are_still_different_citizens(self) -> None:
        assert hash32(phone_key(COLLIDING[0])) == hash32(phone_key(COLLIDING[1]))
        index = HistoryIndex()
        index.add(1, COLLIDING[0], GARBAGE, 7, T0)
        later = T0 + timedelta(days=20)
        assert index.check(COLLIDING[1], GARBAGE_AGAIN, 7, later).repeat_of == ()
        assert index.check(COLLIDING[0], GARBAGE_AGAIN, 7, later).repeat_of == (1,)

    def test_held_tells_which_appeals_the_index_has(self) -> None:
        index = HistoryIndex()
        assert not index.held([1]).any()
        index.add_many(synthetic_appeals(300, start=T0, span=timedelta(days=30)))
        index.add(7, ME, GARBAGE, 7, T0 + timedelta(days=31))
        assert index.held([10_000_000, 10_000_299, 7, 10_000_300, 6]).tolist() == [
            True,
            True,
            True,
            False,
            False,
        ]

    def test_memory_is_told_by_part(self) -> None:
        index = HistoryIndex()
        index.add_many(synthetic_appeals(2000, start=T0, span=timedelta(days=30)))
        index.compact()
        parts = index.memory()
        assert set(parts) == {"fingerprints", "columns", "by_band", "by_phone", "by_community"}
        assert parts["fingerprints"] == 2000 * 64
        assert sum(parts.values()) == index.nbytes
        # 6 bytes an entry, 8 entries an appeal with a text, plus the 65,537 bucket starts.
        assert parts["by_band"] == 2000 * 8 * 6 + 65_537 * 8
