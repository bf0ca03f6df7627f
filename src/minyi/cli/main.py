"""`minyi`: serve, run the worker, manage the database, the organisation, the dictionary, cases.

Commands load lazily: `minyi --help` imports none of them (the server and the domain packages
take seconds to import), and `minyi report ...` imports only cli/reports.py. `COMMANDS` names
each command's module and its one-line help; a module in this folder with a Typer `app` in
`GROUPS` must be listed there (tests/integration/cli/test_first_run_cli.py checks both ways); a
module named `<group>_<more>.py` adds commands to the group of `<group>.py` and loads with it, as
`EXTENSIONS` lists.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

# name -> (module, attribute: a function for a command, a GROUPS name for a group, short help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": (
        "minyi.cli.serve",
        "serve",
        "Migrate, load the demo district into an empty database, and serve the API with the clock worker beside it.",
    ),
    "worker": (
        "minyi.cli.serve",
        "worker",
        "Run the clock worker alone (several may run at once on PostgreSQL).",
    ),
    "analytics": (
        "minyi.cli.analytics",
        "analytics",
        "热点、弱信号、化解一类、绩效: hotspots, alerts, sweeps, unit assessment.",
    ),
    "appeal": ("minyi.cli.cases", "appeal", "Appeals and their cases."),
    "bench": ("minyi.cli.bench", "bench", "Benchmarks: speed measured here, never in timed tests."),
    "calendar": ("minyi.cli.calendar", "calendar", "The working-day calendar (节假日与调休)."),
    "clocks": ("minyi.cli.clocks", "clocks", "Clocks (时限): policies and a case's milestones."),
    "counselling": (
        "minyi.cli.counselling",
        "counselling",
        "心理服务: counselling records, sessions, follow-ups, risk levels, 话聊 and figures.",
    ),
    "db": ("minyi.cli.db", "db", "Database schema."),
    "demo": ("minyi.cli.org", "demo", "The invented demo district."),
    "dictionary": ("minyi.cli.org", "dictionary", "The event dictionary (事件字典)."),
    "escalation": (
        "minyi.cli.escalation",
        "escalation",
        "提级包案: escalation rules, leader case-holding (包案/销案), backlog (积案).",
    ),
    "export": ("minyi.cli.integrations", "export", "Export case lists to CSV or Excel."),
    "grassroots": (
        "minyi.cli.grassroots",
        "grassroots",
        "党建覆盖: roads and buildings below the grid, coverage gaps, patrol figures.",
    ),
    "import": ("minyi.cli.integrations", "import", "Import historical cases from CSV or Excel."),
    "receptions": (
        "minyi.cli.receptions",
        "receptions",
        "下沉接访: leaders' reception days, their slots and records, per-leader figures, 分片包联.",
    ),
    "services": (
        "minyi.cli.services",
        "services",
        "五类服务: service sites, their professionals, appointments, a case's service.",
    ),
    "legal": (
        "minyi.cli.legal",
        "legal",
        "法律服务: consultations with resident lawyers, legal aid, pre-petition legal advice.",
    ),
    "relief": (
        "minyi.cli.relief",
        "relief",
        "帮扶救助: relief applications, their reviews, payments, follow-up visits and figures.",
    ),
    "mailbox": (
        "minyi.cli.mailboxes",
        "mailbox",
        "Leader mailboxes (主官在线): QR codes, inboxes, figures.",
    ),
    "markets": (
        "minyi.cli.markets",
        "markets",
        "服务市集/赶圩日: plan service markets, their stalls, matters and figures.",
    ),
    "mediation": (
        "minyi.cli.mediation",
        "mediation",
        "纠纷调解: disputes on cases, sessions, agreements (协议书), 司法确认, referral, figures.",
    ),
    "meetings": (
        "minyi.cli.meetings",
        "meetings",
        "联席会议: joint meetings take hard cases and decide tasks for units; minutes (.docx).",
    ),
    "notifications": (
        "minyi.cli.notifications",
        "notifications",
        "The notification centre (通知): a staff member's notices, marked read.",
    ),
    "open311": ("minyi.cli.integrations", "open311", "Open311 GeoReport v2 api_key clients."),
    "org": ("minyi.cli.org", "org", "Units, staff and leaders' areas."),
    "parked": (
        "minyi.cli.parked",
        "parked",
        "Items the worker parked after their last failed attempt.",
    ),
    "report": ("minyi.cli.reports", "report", "The daily report (民情日报)."),
    "staff": (
        "minyi.cli.org",
        "staff",
        "Staff accounts: password, reset, deactivate (each ends the person's sign-ins).",
    ),
    "supervision": (
        "minyi.cli.supervision",
        "supervision",
        "Instructions (批示), supervision orders (督办) and letters (提醒函/建议函/通报).",
    ),
    "triage": (
        "minyi.cli.triage",
        "triage",
        "Triage (智能分拨): the appeal classifier, trained on the district's own history.",
    ),
    "webhooks": (
        "minyi.cli.integrations",
        "webhooks",
        "Webhook subscribers (signed JSON on case events).",
    ),
    "volunteers": (
        "minyi.cli.volunteers",
        "volunteers",
        "平安志愿者: volunteers, their reports, points, ledger and rankings.",
    ),
    "whistle": (
        "minyi.cli.whistle",
        "whistle",
        "吹哨联动: summon departments, report in (报到), act, confirm; response rates.",
    ),
}


# Modules that add commands to a group defined in another module, loaded with it.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "minyi.cli.bench": (
        "minyi.cli.bench_analytics",
        "minyi.cli.bench_clocks",
        "minyi.cli.bench_coverage",
        "minyi.cli.bench_imports",
        "minyi.cli.bench_reads",
        "minyi.cli.bench_reports",
        "minyi.cli.bench_triage",
    ),
    "minyi.cli.triage": ("minyi.cli.triage_review",),
}


@functools.cache
def load_command(name: str) -> Any:
    """Import the command's module and build its Click command, once per process (a Click
    command keeps no state between runs; tests run hundreds in one process)."""
    module_name, attribute, _ = COMMANDS[name]
    module = importlib.import_module(module_name)
    for extension in EXTENSIONS.get(module_name, ()):
        importlib.import_module(extension)
    groups = dict(getattr(module, "GROUPS", ()))
    # Built under a parent, as `add_typer` would: alone, a group of one command would collapse
    # into that command (`minyi db upgrade` would read "upgrade" as its argument). Its help is
    # plain text, as `minyi --help` is: rich would import half a second of modules for a help.
    parent = typer.Typer(add_completion=False, rich_markup_mode=None)
    if attribute in groups:
        parent.add_typer(groups[attribute], name=name)
    else:
        parent.command(name)(getattr(module, attribute))
        parent.command("_")(lambda: None)  # two commands: the parent stays a group
    group = typer.main.get_command(parent)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


class LazyGroup(TyperGroup):
    """Lists commands from `COMMANDS` and imports one only when it runs (or shows its help)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the top-level help lists names and one line each: import nothing
            return TyperCommand(
                cmd_name, help=COMMANDS[cmd_name][2], short_help=COMMANDS[cmd_name][2]
            )
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        LazyGroup._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            LazyGroup._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="民意速办 Minyi: a district's citizen-appeal platform.",
    no_args_is_help=True,
    # Plain help: rendering it with rich imports about half a second of modules (`minyi --help`
    # must answer at once); tracebacks stay plain for the same reason.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def _wire() -> None:
    """Every command runs in a process wired as the API's and the worker's are (one runtime from
    the settings), so a CLI action starts clocks and escalates exactly as the same action through
    the API does. The settings are checked here, before any command; the runtime is built when a
    command first asks for the database (cli/common.py), so `--help` imports no domain."""
    from minyi.cli.common import one_line_errors, reset_runtime

    one_line_errors(reset_runtime)()
