"""Staff drop real, messy files into the knowledge folder; they come out clean."""

from pathlib import Path

from knowledge.ingest.chunker import MAX_CHARS, chunk_document, sentences
from knowledge.ingest.readers import read_document


def test_reference_page_is_repaired(reference_file: Path) -> None:
    doc = read_document(reference_file, reference_file.parent)
    text = "".join(p for s in doc.sections for p in s.paragraphs)
    # Lines broken at the page edge are joined back into their sentences.
    for joined in ("可持续地反哺职工公益事业", "需勇于自我革新", "算法不透明可能引发", "参与算法设计"):
        assert joined in text
    # The section printed twice on the page is kept once.
    assert text.count("技术安全：从系统可靠到算法可解释") == 1
    # Headings become the section an answer cites.
    headings = [s.heading for s in doc.sections]
    assert "补贴来自哪类资金？" in headings
    assert "哪些高校毕业生可申领一次性求职补贴？怎么领？" in headings
    assert "构建多元共治的新就业形态职业伤害保障体系" in headings


def test_reference_chunks_fit_the_model_and_end_on_sentences(reference_file: Path) -> None:
    chunks = chunk_document(read_document(reference_file, reference_file.parent))
    assert chunks
    for chunk in chunks:
        assert len(chunk.text) <= MAX_CHARS
    # Passages end on a sentence; only the page's own cut-off last line may not.
    ends = [c.text.rstrip("”’）)")[-1] for c in chunks[:-1] if len(c.text) < MAX_CHARS - 20]
    assert set(ends) <= set("。！？!?…")
    assert chunks[-1].text.endswith("定期举办“引智助")
    assert any("1234.57万人" in c.text for c in chunks)


def test_chinese_is_split_on_sentence_punctuation_not_spaces() -> None:
    assert sentences("骑手受伤了怎么办？先就医。 保留证据！最后 申请") == [
        "骑手受伤了怎么办？",
        "先就医。",
        "保留证据！",
        "最后 申请",
    ]


def test_markdown_headings_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("# 标题\n> 来源：某报\n\n## 第一节\n第一行\n接着写。\n\n- 列表项。\n\n## 第二节\n内容。\n", "utf-8")
    doc = read_document(path, tmp_path)
    assert doc.title == "标题"
    assert doc.notes == ["来源：某报"]
    assert [s.heading for s in doc.sections] == ["第一节", "第二节"]
    assert doc.sections[0].paragraphs == ["第一行接着写。", "列表项。"]


def test_a_sections_other_questions_are_searched_with_it_but_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "faq.md"
    path.write_text(
        "# 问答\n> 来源：某报\n\n## 钱从哪里来\n\n> 也问：钱谁出；谁掏的钱\n\n资金来自专项资金。\n\n"
        "## 怎么领\n按通知办理。\n",
        "utf-8",
    )
    doc = read_document(path, tmp_path)
    assert doc.notes == ["来源：某报"]
    assert [s.questions for s in doc.sections] == [("钱谁出", "谁掏的钱"), ()]
    first = chunk_document(doc)[0]
    assert first.text == "资金来自专项资金。"  # what an answer shows
    assert "钱谁出" in first.embedding_text and "谁掏的钱" in first.embedding_text


def test_docx_heading_styles_become_sections(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("职工互助", level=1)
    document.add_heading("谁能申请", level=2)
    document.add_paragraph("因病致困的职工可以申请补充救助。")
    document.save(tmp_path / "mutual.docx")
    doc = read_document(tmp_path / "mutual.docx", tmp_path)
    assert doc.title == "职工互助"
    assert doc.sections[0].heading == "谁能申请"
    assert doc.sections[0].paragraphs == ["因病致困的职工可以申请补充救助。"]


def _tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with one text line per entry (Helvetica, no embedded font)."""
    ops = "BT /F1 12 Tf 14 TL 50 780 Td " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_lines_broken_by_the_page_width_are_joined(tmp_path: Path) -> None:
    (tmp_path / "notice.pdf").write_bytes(
        _tiny_pdf(
            [
                "Hotline 12351",
                "Workers who need help can call the union hotline 12351 at any time of the day and",
                "speak to a member of staff.",
            ]
        )
    )
    doc = read_document(tmp_path / "notice.pdf", tmp_path)
    assert doc.sections[0].heading == "Hotline 12351"
    assert doc.sections[0].paragraphs == [
        "Workers who need help can call the union hotline 12351 at any time of the day and speak to a member of staff."
    ]
