"""The knowledge folder for editors: upload and remove documents, preview how a document
is cut into sections and passages before indexing, index with progress (live without a
restart), a hit test, and the questions that went unanswered or were rated 👎."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from claims.staff import Staff, audit
from console import index_job
from console.insights import thumbs_down_groups, unanswered_groups
from console.security import require
from console.web import flash, render
from knowledge.index.store import Manifest, current_version
from knowledge.ingest.chunker import chunk_document
from knowledge.ingest.readers import iter_documents, read_document

router = APIRouter(prefix="/knowledge")
Editor = Annotated[Staff, Depends(require("editor"))]
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".md", ".txt", ".docx", ".pdf")


@dataclass(frozen=True)
class DocumentRow:
    name: str
    size: int
    modified: datetime
    state: str  # indexed | pending | removed
    chunks: int | None


def _manifest_documents(settings) -> dict[str, dict]:
    folder = current_version(settings.index_dir)
    if folder is None:
        return {}
    try:
        return Manifest.read(folder).documents
    except (OSError, ValueError):
        return {}


def _documents(settings) -> list[DocumentRow]:
    indexed = _manifest_documents(settings)
    rows = []
    for path in iter_documents(settings.knowledge_dir):
        name = path.relative_to(settings.knowledge_dir).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entry = indexed.get(name)
        state = "indexed" if entry and entry.get("sha256") == digest else "pending"
        stat = path.stat()
        rows.append(
            DocumentRow(
                name,
                stat.st_size,
                datetime.fromtimestamp(stat.st_mtime, UTC),
                state,
                entry.get("chunks") if state == "indexed" and entry else None,
            )
        )
    on_disk = {r.name for r in rows}
    for name in sorted(set(indexed) - on_disk):
        rows.append(DocumentRow(name, 0, datetime.now(UTC), "removed", indexed[name].get("chunks")))
    return rows


def _document_path(settings, name: str) -> Path:
    """A document of the knowledge folder by its listed name; nothing outside it."""
    for path in iter_documents(settings.knowledge_dir):
        if path.relative_to(settings.knowledge_dir).as_posix() == name:
            return path
    raise HTTPException(404)


def safe_filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    stem = re.sub(r"[^\w\-\u4e00-\u9fff]", "_", stem).strip("._")[:80]
    return f"{stem or 'document'}{suffix.lower()}"


@router.get("", response_class=HTMLResponse)
def knowledge_home(request: Request, staff: Editor) -> HTMLResponse:
    settings = request.app.state.settings
    return render(
        request,
        "knowledge.html",
        documents=_documents(settings),
        job=index_job.current(),
        suffixes=", ".join(UPLOAD_SUFFIXES),
    )


@router.post("/upload")
async def knowledge_upload(request: Request, staff: Editor, file: Annotated[UploadFile, File()]) -> Response:
    settings = request.app.state.settings
    name = safe_filename(file.filename or "")
    if not name.endswith(UPLOAD_SUFFIXES):
        flash(request, f"只能上传 {', '.join(UPLOAD_SUFFIXES)} 文件。")
        return RedirectResponse("/knowledge", status_code=303)
    data = await file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES or not data:
        flash(request, "文件为空或超过 20 MB。")
        return RedirectResponse("/knowledge", status_code=303)
    error = await run_in_threadpool(_store_document, settings.knowledge_dir, name, data)
    if error:
        flash(request, f"这个文件读不出来（{error}），没有加入知识库。")
        return RedirectResponse("/knowledge", status_code=303)
    audit(staff.name, "document_upload", name[:64], f"{len(data)} bytes")
    flash(request, f"已上传 {name}。请检查下面的分段，然后点“建立索引”使它生效。")
    return RedirectResponse(f"/knowledge/document?name={quote(name)}", status_code=303)


def _store_document(folder: Path, name: str, data: bytes) -> str:
    """Written under a temporary name, read back as a document, then put in place; an error otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=Path(name).suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            document = read_document(Path(temporary), folder)
            if not chunk_document(document):
                return "没有可用的文字"
        except Exception as error:  # a broken PDF or Word file: say so, keep nothing
            return type(error).__name__
        os.chmod(temporary, 0o644)  # the documents are public policy text
        os.replace(temporary, folder / name)
        return ""
    finally:
        Path(temporary).unlink(missing_ok=True)


@router.get("/document", response_class=HTMLResponse)
def knowledge_document(request: Request, staff: Editor, name: str) -> HTMLResponse:
    settings = request.app.state.settings
    path = _document_path(settings, name)
    document = read_document(path, settings.knowledge_dir)
    chunks = chunk_document(document)
    state = next((d.state for d in _documents(settings) if d.name == name), "pending")
    return render(request, "document.html", name=name, document=document, chunks=chunks, state=state)


@router.post("/document/delete")
async def knowledge_delete(request: Request, staff: Editor) -> Response:
    settings = request.app.state.settings
    form = await request.form()
    name = str(form.get("name") or "")
    path = _document_path(settings, name)
    path.unlink()
    audit(staff.name, "document_delete", name[:64])
    flash(request, f"已删除 {name}。点“建立索引”后，助手就不再引用它。")
    return RedirectResponse("/knowledge", status_code=303)


@router.post("/index")
def knowledge_index(request: Request, staff: Editor) -> Response:
    if index_job.start(request.app.state.settings, staff.name):
        audit(staff.name, "index_build")
    else:
        flash(request, "已有一次索引正在进行。")
    return RedirectResponse("/knowledge/index", status_code=303)


@router.get("/index", response_class=HTMLResponse)
def knowledge_index_page(request: Request, staff: Editor) -> HTMLResponse:
    return render(request, "index_progress.html", job=index_job.current())


@router.get("/index/status")
def knowledge_index_status(staff: Editor) -> JSONResponse:
    return JSONResponse(index_job.current().as_json())


@router.get("/test", response_class=HTMLResponse)
def knowledge_test(request: Request, staff: Editor, q: str = "") -> HTMLResponse:
    from knowledge.answer import Answer, respond
    from knowledge.index.lexical import tokenize
    from knowledge.index.store import IndexMismatch, IndexMissing
    from knowledge.service import knowledge_base

    settings = request.app.state.settings
    hits, verdict, error = [], None, ""
    question = q.strip()[:300]
    if question:
        try:
            kb = knowledge_base()
            hits = kb.search(question, 5)
            verdict = respond(question, hits, settings.answer_min_score, tokenize, kb.vocabulary())
        except (IndexMissing, IndexMismatch, FileNotFoundError) as failure:
            error = type(failure).__name__
    return render(
        request,
        "hit_test.html",
        q=question,
        hits=hits,
        verdict=verdict,
        answered=isinstance(verdict, Answer),
        min_score=settings.answer_min_score,
        error=error,
    )


@router.get("/gaps", response_class=HTMLResponse)
def knowledge_gaps(request: Request, staff: Editor) -> HTMLResponse:
    state_dir = request.app.state.settings.state_dir
    return render(
        request, "gaps.html", unanswered=unanswered_groups(state_dir), thumbs_down=thumbs_down_groups(state_dir)
    )
