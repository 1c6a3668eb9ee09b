"""The index answers with the right passage and stays consistent as staff edit files."""

from pathlib import Path

import pytest

from knowledge.index.store import IndexMismatch, build_index, current_version, read_chunks
from knowledge.search import KnowledgeBase, Ranker


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def test_known_question_finds_its_passage(tiny_corpus, index_dir, encoder) -> None:
    build_index(tiny_corpus, index_dir, encoder)
    kb = KnowledgeBase(index_dir, encoder)
    for ranker in Ranker:
        hits = kb.search("骑手自己要交职业伤害保障的钱吗", k=3, ranker=ranker)
        assert hits[0].section == "谁来缴费", ranker
        assert hits[0].title == "职业伤害"
    assert kb.search("12351是什么电话")[0].document == "union.md"


def test_unchanged_folder_is_not_rebuilt(tiny_corpus, index_dir, encoder) -> None:
    first = build_index(tiny_corpus, index_dir, encoder)
    second = build_index(tiny_corpus, index_dir, encoder)
    assert second.up_to_date and second.embedded == 0
    assert current_version(index_dir).name == first.version


def test_changed_file_reembeds_only_itself_and_leaves_no_stale_passage(tiny_corpus, index_dir, encoder) -> None:
    build_index(tiny_corpus, index_dir, encoder)
    (tiny_corpus / "union.md").write_text(
        "# 工会服务\n\n## 公益积分\n志愿服务可以换成公益积分，用来兑换培训。\n", "utf-8"
    )
    report = build_index(tiny_corpus, index_dir, encoder)
    assert report.changed == ["union.md"]
    assert report.embedded == 1
    texts = [c.text for c in read_chunks(current_version(index_dir))]
    assert not any("12351" in t for t in texts)
    assert any("公益积分" in t for t in texts)


def test_deleted_file_disappears_from_results(tiny_corpus, index_dir, encoder) -> None:
    build_index(tiny_corpus, index_dir, encoder)
    kb = KnowledgeBase(index_dir, encoder)
    assert kb.search("求职补贴标准谁定")[0].document == "subsidy.md"
    (tiny_corpus / "subsidy.md").unlink()
    report = build_index(tiny_corpus, index_dir, encoder)
    assert report.removed == ["subsidy.md"]
    # The running searcher follows the new version without a restart.
    assert all(h.document != "subsidy.md" for h in kb.search("求职补贴标准谁定"))


def test_index_from_another_model_is_refused(tiny_corpus, index_dir, encoder) -> None:
    from knowledge.embedding.encoder import Encoder

    build_index(tiny_corpus, index_dir, encoder)
    other = Encoder("some-org/another-model")
    with pytest.raises(IndexMismatch):
        KnowledgeBase(index_dir, other).search("补贴")


def test_repeated_passages_are_indexed_once(tmp_path, index_dir, encoder) -> None:
    section = "## 热线\n12351是全国总工会的职工服务热线，职工遇到困难可以拨打。\n"
    docs = tmp_path / "dup"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\n" + section, "utf-8")
    (docs / "b.md").write_text("# B\n\n" + section, "utf-8")
    report = build_index(docs, index_dir, encoder)
    assert report.chunks == 1


def test_a_changed_jieba_dictionary_recuts_the_words_without_re_embedding(
    tiny_corpus, tmp_path, encoder, monkeypatch
) -> None:
    import knowledge.index.store as store

    index_dir = tmp_path / "index"
    store.build_index(tiny_corpus, index_dir, encoder)
    assert store.build_index(tiny_corpus, index_dir, encoder).up_to_date
    monkeypatch.setattr(store, "lexicon_identity", lambda: "another dictionary")
    report = store.build_index(tiny_corpus, index_dir, encoder)
    assert report.embedded == 0 and report.version != ""
    assert store.Manifest.read(store.current_version(index_dir)).lexicon == "another dictionary"
