"""Flask CLI commands (`flask --app main <command>`), each a thin wrapper over the async code."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from config import Settings
from database import state
from database.connection import libpq_url
from importer.headers import KINDS

T = TypeVar("T")


def run_with_database(
    work: Callable[[], Awaitable[T]], *, embed: bool = False, demo: bool = True
) -> T:
    """Run `work()` on the app's runtime (database and search up, no job worker), then stop it.

    With `embed`, products and knowledge entries without a current vector are embedded
    first (a first run on a new database takes seconds), so search by meaning works. With
    `demo=False` an empty database stays empty (the demo shop is not loaded into it).
    """
    settings: Settings = current_app.config["SETTINGS"]
    runtime = current_app.extensions["runtime"]

    async def _main() -> T:
        if embed:
            from search.index import refresh

            await refresh(settings)
        return await work()

    runtime.start(worker=False, demo=demo)
    try:
        return runtime.run(_main())
    finally:
        runtime.stop()


@click.command("demo")
@with_appcontext
@click.option("--orders", default=6000, show_default=True, help="Number of orders.")
@click.option("--seed", default=42, show_default=True)
@click.option("--replace", is_flag=True, help="Replace existing shop data.")
def demo(orders: int, seed: int, replace: bool) -> None:
    """Load the deterministic demo shop into the configured database."""
    from database.demo import load_demo_data

    settings: Settings = current_app.config["SETTINGS"]

    async def work() -> Any:
        return await load_demo_data(
            libpq_url(state().url),
            orders=orders,
            seed=seed,
            timezone=settings.SHOP_TIMEZONE,
            replace=replace,
        )

    summary = run_with_database(work)
    click.echo(f"Loaded: {summary}")


@click.command("ask")
@with_appcontext
@click.option("--psid", required=True, help="The sender's page-scoped id.")
@click.argument("message", nargs=-1, required=True)
def ask(psid: str, message: tuple[str, ...]) -> None:
    """Ask the assistant as a sender (same path and session as Messenger)."""
    from llm_api import ask_assistant
    from messenger.outbox import transcript

    settings: Settings = current_app.config["SETTINGS"]
    text = " ".join(message)

    async def work() -> Any:
        return await ask_assistant(psid, text, settings=settings, transcript=transcript)

    reply = run_with_database(work, embed=True)
    for call in reply.tool_calls:
        status = "ok" if call["ok"] else f"error: {call['error']}"
        click.echo(
            f"[tool] {call['name']}({json.dumps(call['arguments'], default=str)}) "
            f"-> {status}, {call['row_count']} rows, {call['duration_ms']} ms",
            err=True,
        )
    for text in reply.before:
        click.echo(text)
    click.echo(reply.text if not reply.silent else "(silent: a person holds this chat)")
    for chart in reply.charts:
        path = settings.CHARTS_DIR / chart.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(chart.png)
        click.echo(f"[chart] {path}", err=True)
    for item in reply.outgoing:
        click.echo(item.describe(), err=True)


HOW = {
    "sent": "sent now (messaging type UPDATE; logged only without a page token)",
    "waiting": "kept for their next message (outside Messenger's 24-hour window)",
    "would send": "would be sent now (they wrote within 24 hours)",
    "would wait": "would wait for their next message (outside Messenger's 24-hour window)",
}


@click.command("digest")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Print each staff member's report; send nothing.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to report (shop time; default: today).",
)
def digest_command(dry_run: bool, day: Any) -> None:
    """Build the daily report and send it now to each staff member in REPORT_ROLES (once a day
    each: a second run sends nothing new; before a person's report time it is an early report
    and the evening's still comes). Outside Messenger's 24-hour window it waits for the
    person's next message."""
    from core.periods import local_today
    from messenger.graph_api import GraphClient
    from messenger.pipeline import PipelineContext
    from messenger.reports import ReportsBusy, send_daily_reports
    from reports.digest import digest_text, figures
    from reports.staff import recipients

    settings: Settings = current_app.config["SETTINGS"]
    on = day.date() if day is not None else local_today(settings.tz)

    async def work() -> Any:
        ctx = PipelineContext(settings, GraphClient(settings))
        done = await send_daily_reports(ctx, day=on, due_only=False, dry_run=dry_run)
        if done:
            return done, None, False
        anyone = any(person.reports for person in await recipients(settings))
        return done, digest_text(await figures(settings, on), "en", settings.SHOP_CURRENCY), anyone

    try:
        done, sample, anyone = run_with_database(work)
    except ReportsBusy as exc:
        raise click.ClickException(str(exc)) from None
    if sample is not None:
        if anyone:
            why = f"every staff member has had the report of {on.isoformat()} already"
        else:
            roles = ", ".join(settings.REPORT_ROLES)
            why = (
                f"no staff member with a role in REPORT_ROLES ({roles}) and a Messenger id "
                "(employees.messenger_psid, or OWNER_PSIDS) takes reports"
            )
        click.echo(f"No report sent: {why}. The report reads:\n\n{sample}")
        return
    for item in done:
        click.echo(f"--- {item.psid}: {HOW.get(item.how, item.how)}")
        click.echo(item.text)
        click.echo("")


@click.command("inspect")
@with_appcontext
@click.option("--psid", help="The sender to report on.")
@click.option("--failed", is_flag=True, help="List events parked as failed instead.")
@click.option("--limit", default=20, show_default=True)
def inspect(psid: str | None, failed: bool, limit: int) -> None:
    """Show a sender's conversation, tool calls and outgoing messages, or failed events."""
    from service.inspect import failed_events, sender_report

    settings: Settings = current_app.config["SETTINGS"]
    if not psid and not failed:
        raise click.UsageError("give --psid or --failed")

    async def work() -> Any:
        if failed:
            return await failed_events(limit)
        assert psid is not None
        return await sender_report(psid, settings, limit)

    report = run_with_database(work)
    click.echo(json.dumps(report, indent=2, ensure_ascii=False))


@click.command("messenger-profile")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Print the profile instead of sending it.")
def messenger_profile(dry_run: bool) -> None:
    """Set the Page's Get Started button, greeting, ice breakers and menu from config."""
    from messenger.graph_api import GraphClient
    from messenger.profile import profile_payload

    settings: Settings = current_app.config["SETTINGS"]
    payload = profile_payload(settings)
    client = GraphClient(settings)
    if dry_run or client.dry_run:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        if client.dry_run and not dry_run:
            click.echo("FB_PAGE_ACCESS_TOKEN is not set: nothing was sent.", err=True)
        return
    result = client.post(payload, path="messenger_profile")
    if not result.delivered:
        raise click.ClickException(f"Messenger profile not set: {result.error}")
    click.echo("Messenger profile set.")


@click.group("knowledge")
def knowledge_group() -> None:
    """The shop knowledge: facts the assistant answers shoppers from."""


@knowledge_group.command("add")
@with_appcontext
@click.option("--question", "-q", required=True, help="What shoppers ask.")
@click.option("--answer", "-a", required=True, help="The shop's answer.")
def knowledge_add(question: str, answer: str) -> None:
    """Add an entry."""
    from desk import knowledge

    try:
        entry = run_with_database(lambda: knowledge.add(question, answer, added_by="cli"))
    except knowledge.KnowledgeError as exc:
        raise click.BadParameter(str(exc)) from None
    click.echo(f"Added #{entry}")


@knowledge_group.command("list")
@with_appcontext
@click.option("--all", "include_inactive", is_flag=True, help="Include removed entries.")
@click.option("--limit", default=100, show_default=True)
def knowledge_list(include_inactive: bool, limit: int) -> None:
    """List entries, newest first."""
    from desk import knowledge

    rows = run_with_database(
        lambda: knowledge.entries(include_inactive=include_inactive, limit=limit)
    )
    for row in rows:
        flag = "" if row["active"] else " (removed)"
        who = row["added_by_name"] or row["added_by"] or "?"
        click.echo(f"#{row['id']}{flag} [{row['source']}, {who}] {row['question']}")
        click.echo(f"    → {row['answer']}")
    if not rows:
        click.echo("No entries.")


@knowledge_group.command("remove")
@with_appcontext
@click.argument("entry", type=str)
def knowledge_remove(entry: str) -> None:
    """Remove entry ENTRY (e.g. 12 or #12)."""
    from desk import knowledge

    digits = entry.strip().lstrip("#")
    if not digits.isdigit():
        raise click.BadParameter("give the entry number, e.g. 12 or #12")
    removed = run_with_database(lambda: knowledge.remove(int(digits)))
    if removed is None:
        raise click.ClickException(f"no entry #{digits}")
    if not removed[1]:
        raise click.ClickException(f"no active entry #{digits}: it was removed before")
    click.echo(f"Removed #{digits}: {removed[0]}")


@knowledge_group.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def knowledge_import(path: Path) -> None:
    """Import question/answer pairs from a CSV (header: question,answer) or YAML file."""
    from desk import knowledge

    try:
        pairs = knowledge.read_entries(path)
    except knowledge.KnowledgeError as exc:
        raise click.BadParameter(str(exc)) from None

    async def work() -> list[int]:
        return [await knowledge.add(q, a, added_by="cli") for q, a in pairs]

    ids = run_with_database(work)
    click.echo(f"Imported {len(ids)} entries" + (f": #{ids[0]}–#{ids[-1]}" if ids else ""))


@click.command("escalations")
@with_appcontext
@click.option(
    "--status",
    type=click.Choice(["requested", "answered", "closed", "expired"]),
    help="Only this status (default: all, newest first).",
)
@click.option("--limit", default=50, show_default=True)
def escalations_command(status: str | None, limit: int) -> None:
    """Shoppers' questions handed to the staff, with their ages and answers."""
    from datetime import UTC, datetime

    from desk import escalations
    from desk.texts import age

    rows = run_with_database(lambda: escalations.recent(status, limit))
    now = datetime.now(UTC)
    for esc in rows:
        waited = age((now - esc.created_at).total_seconds())
        who = esc.shopper_name or esc.shopper_psid
        click.echo(f"#{esc.id} {esc.status:<9} {waited:>6} {esc.kind:<8} {who}: {esc.question}")
        if esc.answer:
            relay = f", relay {esc.relay_state}" if esc.relay_state else ""
            click.echo(f"    → {esc.answered_by_name}: {esc.answer}{relay}")
    if not rows:
        click.echo("No escalations.")


@click.group("embeddings")
def embeddings_group() -> None:
    """Vectors for search by meaning (pgvector)."""


@embeddings_group.command("rebuild")
@with_appcontext
@click.option("--all", "everything", is_flag=True, help="Embed everything again, not only stale.")
def embeddings_rebuild(everything: bool) -> None:
    """Embed every product and knowledge entry whose vector is missing or stale."""
    from search import index

    settings: Settings = current_app.config["SETTINGS"]

    async def work() -> int:
        if not index.STATE.vectors:
            raise click.ClickException(f"Search by meaning is off: {index.STATE.reason}")
        if everything:
            await index.forget(settings)
        counts = await index.status(settings)
        todo = counts["products"] - counts["products_embedded"]
        todo += counts["knowledge"] - counts["knowledge_embedded"]
        with click.progressbar(length=max(todo, 0), label="Embedding") as bar:
            return await index.refresh(settings, progress=bar.update)

    done = run_with_database(work)
    click.echo(f"Embedded {done} products and knowledge entries.")


@embeddings_group.command("status")
@with_appcontext
def embeddings_status() -> None:
    """How many products and knowledge entries have a vector."""
    from search import index

    settings: Settings = current_app.config["SETTINGS"]

    async def work() -> dict[str, int]:
        return await index.status(settings)

    counts = run_with_database(work)
    click.echo(f"Search: {index.STATE.reason}")
    if counts:
        click.echo(
            f"Products {counts['products_embedded']}/{counts['products']}, knowledge entries "
            f"{counts['knowledge_embedded']}/{counts['knowledge']} embedded with "
            f"{settings.EMBEDDING_MODEL}"
        )


@click.command("import")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="What the files hold (default: read from their columns).",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML: column → field, status and payment words, date order.",
)
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@click.option("--sheet", help="The workbook sheet to read (default: the first).")
@click.option("--replace-demo", is_flag=True, help="Remove the demo shop first.")
@click.pass_context
def import_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    kind: str | None,
    mapping: Path | None,
    dry_run: bool,
    sheet: str | None,
    replace_demo: bool,
) -> None:
    """Import orders, products, customers or staff from POS exports (CSV, XLSX).

    Exit status: 0 everything imported, 1 some rows skipped (listed), 2 a file could not be
    read at all; the worst file's status with several files.
    """
    from importer.mapping import MappingProblem
    from importer.mapping import load as load_mapping
    from importer.run import UNREADABLE, Options, describe, import_file, worst

    settings: Settings = current_app.config["SETTINGS"]
    try:
        rules = load_mapping(mapping)
    except MappingProblem as exc:
        click.echo(f"Import: {exc}", err=True)
        ctx.exit(UNREADABLE)

    async def work() -> int:
        from search.index import refresh

        options = Options(
            libpq_url(state().url), settings.SHOP_TIMEZONE, kind, rules, dry_run,
            replace_demo, sheet,
        )  # fmt: skip
        reports = []
        for path in files:
            with click.progressbar(
                length=_line_count(path),
                label=path.name,
                file=sys.stderr,
                hidden=not sys.stderr.isatty(),
            ) as bar:
                report = await import_file(path, options, lambda line: bar.update(line - bar.pos))
            reports.append(report)
            click.echo("\n".join(describe(report, dry_run)))
            if report.error and "--replace-demo" in report.error:
                break
        if not dry_run and any(
            counts.created for r in reports for t, counts in r.tables.items() if t == "products"
        ):
            await refresh(settings)  # new products searchable by meaning
        return worst(reports)

    status = run_with_database(work, demo=False)
    word = {0: "everything imported", 1: "some rows skipped", 2: "a file was not imported"}
    click.echo(f"{'Dry run' if dry_run else 'Import'}: {word[status]} (exit status {status}).")
    ctx.exit(status)


def _line_count(path: Path) -> int:
    """Lines in a CSV file (for the progress bar; 0 when unknown)."""
    if path.suffix.lower() != ".csv":
        return 0
    try:
        with path.open("rb") as raw:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
    except OSError:
        return 0


COMMANDS = [
    demo,
    import_command,
    ask,
    digest_command,
    inspect,
    messenger_profile,
    knowledge_group,
    escalations_command,
    embeddings_group,
]


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `app.cli`."""
    for command in COMMANDS:
        app.cli.add_command(command)
