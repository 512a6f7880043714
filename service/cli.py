"""Flask CLI commands (`flask --app main <command>`), each a thin wrapper over the async code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from config import Settings
from database import close_database, state
from database.bootstrap import prepare_database
from database.connection import libpq_url

T = TypeVar("T")


def run_with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work()` with the database initialised for this command, then close it."""
    settings: Settings = current_app.config["SETTINGS"]

    async def _main() -> T:
        await prepare_database(settings)
        try:
            return await work()
        finally:
            await close_database()

    return asyncio.run(_main())


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

    settings: Settings = current_app.config["SETTINGS"]
    text = " ".join(message)

    async def work() -> Any:
        return await ask_assistant(psid, text, settings=settings)

    reply = run_with_database(work)
    for call in reply.tool_calls:
        status = "ok" if call["ok"] else f"error: {call['error']}"
        click.echo(
            f"[tool] {call['name']}({json.dumps(call['arguments'], default=str)}) "
            f"-> {status}, {call['row_count']} rows, {call['duration_ms']} ms",
            err=True,
        )
    click.echo(reply.text)


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


COMMANDS = [demo, ask, inspect, messenger_profile]


def register_cli(app: Flask) -> None:
    """Attach the project's commands to `app.cli`."""
    for command in COMMANDS:
        app.cli.add_command(command)
