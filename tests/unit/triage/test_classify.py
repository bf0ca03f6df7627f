"""The appeal classifier on a small invented, clearly separable set of Chinese appeals."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.triage.classifier.data import load_labelled
from minyi.triage.classifier.evaluation import evaluate, evaluate_on
from minyi.triage.classifier.features import Featuriser
from minyi.triage.classifier.model import Classifier, file_sha256
from minyi.triage.classifier.params import Params
from minyi.triage.classifier.training import (
    apply_threshold,
    threshold_for_precision,
    train_classifier,
)
from minyi.triage.text import normalise

TRAINED_AT = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PLACES = ("青松街道", "竹林社区", "东湖小区", "南山路", "河西片区", "新华里")
TOPICS = {
    "交通": (
        "公交车晚点",
        "红绿灯坏了",
        "道路拥堵",
        "停车位不够",
        "地铁站出口",
        "斑马线褪色",
        "高速路口堵车",
    ),
    "教育": (
        "学校食堂",
        "老师体罚学生",
        "课外补习收费",
        "幼儿园学位",
        "学费上涨",
        "校车超载",
        "学生作业太多",
    ),
    "环保": (
        "夜间施工噪音",
        "污水直排河道",
        "饭店油烟",
        "垃圾焚烧臭味",
        "工地粉尘",
        "河道发臭",
        "烟囱冒黑烟",
    ),
}


def toy_data(per_label: int = 12, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for _ in range(per_label):
            a, b = rng.sample(phrases, 2)
            texts.append(f"{rng.choice(PLACES)}{a}的问题，{b}，希望有关部门尽快处理")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> Classifier:
    texts, labels = toy_data()
    return train_classifier(texts, labels, seed=0)


class TestNormalise:
    def test_full_width_letters_and_digits_become_ascii(self) -> None:
        assert normalise("Ｗｉ－Ｆｉ　１２３号") == normalise("wi－fi 123号") == "wi－fi123号"

    def test_whitespace_and_case_do_not_matter(self) -> None:
        assert normalise(" A市\n东湖 小区\t") == "a市东湖小区"


class TestFeaturiser:
    def test_vectors_equal_scikit_learns_tfidf(self) -> None:
        texts, _ = toy_data()
        featuriser = Featuriser.fit(texts, Params(head_chars=0))
        reference = TfidfVectorizer(analyzer=featuriser.grams, sublinear_tf=True, min_df=2).fit(
            texts
        )
        assert featuriser.vocabulary == reference.vocabulary_
        ours = featuriser.matrix([*texts[:5], "完全没见过的字"]).toarray()
        theirs = reference.transform([*texts[:5], "完全没见过的字"]).toarray()
        np.testing.assert_allclose(ours, theirs, atol=1e-12)

    def test_the_head_is_a_second_shorter_tfidf_block(self) -> None:
        texts, _ = toy_data()
        params = Params(head_chars=6, head_weight=0.5)
        featuriser = Featuriser.fit(texts, params)
        body = TfidfVectorizer(analyzer=featuriser.grams, sublinear_tf=True, min_df=2).fit(texts)
        head = TfidfVectorizer(analyzer=featuriser.head_grams, sublinear_tf=True, min_df=2).fit(
            texts
        )
        probe = [*texts[:5], "完全没见过的字"]
        expected = np.hstack(
            [body.transform(probe).toarray(), 0.5 * head.transform(probe).toarray()]
        )
        np.testing.assert_allclose(featuriser.matrix(probe).toarray(), expected, atol=1e-12)
        # Only the first six characters feed the head; its grams never meet the body's.
        assert featuriser.head_grams("东湖小区路灯不亮")[:6] == [f" {c}" for c in "东湖小区路灯"]
        assert not any(g.startswith(" ") for g in featuriser.grams(" 东湖 小区 "))

    def test_long_texts_are_cut(self) -> None:
        featuriser = Featuriser({}, np.zeros(0), ngram_max=2, max_chars=10)
        assert len(featuriser.grams("道路" * 1000)) == 10 + 9


class TestTrainClassifier:
    def test_new_texts_get_their_class(self, model: Classifier) -> None:
        assert model.predict_top("东湖小区旁边的马路红绿灯坏了好几天")[0][0] == "交通"
        assert model.predict_top("孩子的幼儿园学费又上涨了")[0][0] == "教育"
        assert model.predict_top("楼下饭店油烟太大，还有噪音")[0][0] == "环保"

    def test_top_k_is_sorted_and_probabilities_sum_to_one(self, model: Classifier) -> None:
        top = model.predict_top("校车超载很危险", k=2)
        assert len(top) == 2
        assert top[0][1] >= top[1][1]
        assert sum(p for _, p in model.predict_top("校车超载很危险", k=10)) == pytest.approx(1.0)
        assert {label for label, _ in model.predict_top("校车超载很危险", k=10)} == set(TOPICS)

    def test_a_clear_appeal_is_confident_and_nonsense_is_not(self, model: Classifier) -> None:
        assert model.is_confident(model.predict_top("竹林社区污水直排河道，河道发臭，烟囱冒黑烟"))
        unknown = model.predict_top("")
        assert not model.is_confident(unknown)
        assert sum(p for _, p in model.predict_top("", k=3)) == pytest.approx(1.0)

    def test_batch_and_single_predictions_agree(self, model: Classifier) -> None:
        texts, _ = toy_data(per_label=2, seed=9)
        np.testing.assert_allclose(
            model.proba_many(texts), np.vstack([model.proba(t) for t in texts])
        )

    def test_info_records_out_of_fold_quality(self, model: Classifier) -> None:
        assert model.info["n_samples"] == 36
        assert model.info["oof_macro_f1"] == pytest.approx(1.0)
        assert 0.0 < model.threshold <= 1.0
        assert model.info["auto_share"] > 0.5
        assert model.info["skipped_labels"] == []

    def test_both_members_score_and_their_probabilities_are_averaged(
        self, model: Classifier
    ) -> None:
        k = len(model.labels)
        assert model.members == 2
        assert model.weights.shape == (len(model.featuriser.vocabulary), 2 * k)
        scores = model.scores("学校食堂饭菜太差")
        # Each member alone already prefers the right class (NB-SVM's weights fold in r).
        assert model.labels[int(np.argmax(scores[:k]))] == "教育"
        assert model.labels[int(np.argmax(scores[k:]))] == "教育"
        alone = [
            Classifier(
                labels=model.labels,
                featuriser=model.featuriser,
                weights=model.weights[:, m * k : (m + 1) * k],
                intercept=model.intercept[m * k : (m + 1) * k],
                platt=model.platt[m * k : (m + 1) * k],
                threshold=model.threshold,
                info={},
            ).proba("学校食堂饭菜太差")
            for m in range(2)
        ]
        np.testing.assert_allclose(model.proba("学校食堂饭菜太差"), (alone[0] + alone[1]) / 2)

    def test_same_seed_same_model(self) -> None:
        texts, labels = toy_data()
        a, b = train_classifier(texts, labels, seed=3), train_classifier(texts, labels, seed=3)
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.platt, b.platt)

    def test_labels_rarer_than_the_folds_are_left_out(self) -> None:
        texts, labels = toy_data()
        model = train_classifier(
            [*texts, "医院挂号难", "医院排队久"], [*labels, "卫生", "卫生"], seed=0
        )
        assert model.info["skipped_labels"] == ["卫生"]
        assert "卫生" not in model.labels

    def test_two_labels_work(self) -> None:
        texts, labels = toy_data()
        keep = [i for i, label in enumerate(labels) if label != "教育"]
        model = train_classifier([texts[i] for i in keep], [labels[i] for i in keep], seed=0)
        assert model.labels == ("交通", "环保")
        assert model.predict_top("地铁站出口道路拥堵")[0][0] == "交通"

    def test_one_label_is_refused(self) -> None:
        with pytest.raises(Invalid, match="at least 2 labels"):
            train_classifier(["公交车晚点"] * 6, ["交通"] * 6)

    def test_texts_and_labels_must_pair(self) -> None:
        with pytest.raises(Invalid, match="3 texts but 2 labels"):
            train_classifier(["a", "b", "c"], ["x", "y"])


class TestThresholdForPrecision:
    def test_lowest_threshold_keeping_the_precision(self) -> None:
        t = threshold_for_precision([0.9, 0.8, 0.7, 0.6], [True, True, True, False], target=0.98)
        assert (t.value, t.share, t.precision) == (0.7, 0.75, 1.0)

    def test_precision_may_dip_and_recover(self) -> None:
        t = threshold_for_precision(
            [0.9, 0.8, 0.7, 0.6, 0.5], [True, False, True, True, True], target=0.8
        )
        assert (t.value, t.share, t.precision) == (0.5, 1.0, 0.8)

    def test_ties_are_never_split(self) -> None:
        t = threshold_for_precision([0.9, 0.8, 0.8], [True, True, False], target=0.98)
        assert t.value == 0.9
        assert t.share == pytest.approx(1 / 3)

    def test_unreachable_target_sends_everything_to_a_person(self) -> None:
        t = threshold_for_precision([0.9, 0.8], [False, True], target=0.98)
        assert (t.value, t.share) == (1.0, 0.0)

    def test_no_items(self) -> None:
        assert threshold_for_precision([], []).share == 0.0

    def test_a_fixed_threshold_on_other_data(self) -> None:
        t = apply_threshold([0.95, 0.9, 0.5, 0.4], [True, False, True, True], 0.9)
        assert (t.share, t.precision) == (0.5, 0.5)


class TestSaveAndLoad:
    def test_round_trip_predicts_the_same(self, model: Classifier, tmp_path: Path) -> None:
        path = tmp_path / "models" / "triage-v4.joblib"
        digest = model.save(path, version=4, trained_at=TRAINED_AT)
        loaded = Classifier.load(path)
        assert loaded.labels == model.labels
        assert loaded.threshold == model.threshold
        for text in ("学生作业太多", "红绿灯坏了", "工地粉尘很大"):
            assert loaded.predict_top(text, 3) == model.predict_top(text, 3)
        sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        assert sidecar["version"] == 4
        assert sidecar["sha256"] == digest
        assert sidecar["labels"] == list(model.labels)
        assert sidecar["trained_at"] == "2026-11-20T01:00:00+00:00"
        assert sidecar["n_samples"] == 36
        assert sidecar["oof_macro_f1"] == pytest.approx(1.0)
        assert sidecar["threshold"] == model.threshold

    def test_a_changed_artifact_is_refused(self, model: Classifier, tmp_path: Path) -> None:
        path = tmp_path / "triage-v1.joblib"
        model.save(path, version=1, trained_at=TRAINED_AT)
        path.write_bytes(path.read_bytes() + b"\0")
        with pytest.raises(Conflict, match="does not match"):
            Classifier.load(path)

    def test_the_expected_digest_wins_over_the_sidecar(
        self, model: Classifier, tmp_path: Path
    ) -> None:
        path = tmp_path / "triage-v1.joblib"
        model.save(path, version=1, trained_at=TRAINED_AT)
        with pytest.raises(Conflict):
            Classifier.load(path, sha256="0" * 64)

    def test_an_artifact_of_another_format_is_refused(
        self, model: Classifier, tmp_path: Path
    ) -> None:
        path = tmp_path / "triage-v1.joblib"
        model.save(path, version=1, trained_at=TRAINED_AT)
        payload = joblib.load(path)
        joblib.dump({**payload, "format": 1}, path)
        with pytest.raises(Invalid, match="format 1"):
            Classifier.load(path, sha256=file_sha256(path))

    def test_missing_artifact(self, tmp_path: Path) -> None:
        with pytest.raises(NotFound):
            Classifier.load(tmp_path / "nothing.joblib")


class TestEvaluate:
    def test_k_fold_on_separable_data(self) -> None:
        texts, labels = toy_data(per_label=15)
        folds: list[int] = []
        result = evaluate(
            texts, labels, k=3, seed=0, progress=lambda done, _total: folds.append(done)
        )
        assert folds == [1, 2, 3]
        assert result.macro_f1 == pytest.approx(1.0)
        assert result.labels == sorted(TOPICS)
        assert result.confusion == [[15, 0, 0], [0, 15, 0], [0, 0, 15]]
        assert result.per_class["教育"] == {
            "precision": 1.0,
            "recall": 1.0,
            "f1": 1.0,
            "support": 15,
        }
        assert result.threshold.share > 0.5
        assert result.folds == 3

    def test_a_test_set_is_scored_at_the_models_threshold(self, model: Classifier) -> None:
        texts, labels = toy_data(per_label=3, seed=5)
        result = evaluate_on(model, [*texts, "医院挂号难"], [*labels, "卫生"])
        assert result.unknown_labels == ["卫生"]
        assert result.per_class["卫生"]["recall"] == 0.0
        assert result.threshold.value == model.threshold
        assert result.folds is None


class TestLoadLabelled:
    def test_csv_columns_are_joined_and_unlabelled_rows_skipped(self, tmp_path: Path) -> None:
        path = tmp_path / "history.csv"
        path.write_text(
            "title,body,leaf\n路灯不亮,东湖小区路灯坏了,CS-01\n没有标签,正文,\n,只有正文,CS-02\n",
            encoding="utf-8",
        )
        texts, labels = load_labelled(path, text_columns=["title", "body"], label_column="leaf")
        assert texts == ["路灯不亮\n东湖小区路灯坏了", "只有正文"]
        assert labels == ["CS-01", "CS-02"]

    def test_xlsx(self, tmp_path: Path) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["text", "label1"])
        sheet.append(["噪音扰民", "环保"])
        path = tmp_path / "history.xlsx"
        book.save(path)
        assert load_labelled(path, text_columns=["text"], label_column="label1") == (
            ["噪音扰民"],
            ["环保"],
        )

    def test_a_missing_column_is_named(self, tmp_path: Path) -> None:
        path = tmp_path / "history.csv"
        path.write_text("text,label1\n噪音,环保\n", encoding="utf-8")
        with pytest.raises(Invalid, match="no column body"):
            load_labelled(path, text_columns=["text", "body"], label_column="label1")
