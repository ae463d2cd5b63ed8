"""``ecoledger licence|monitor|report|violation|period|compliance ...``: licences, HJ 212 data, reports.

* ``licence`` — a regulator records an enterprise's discharge licence from a
  YAML file (limits in mg/m³ or mg/L, annual quantities in kg or t, converted
  exactly to µg and kg); everyone entitled reads it and its versions.
* ``monitor`` — devices (MN) are bound to outlets; HJ 212-2017 frames come
  in from a file (``ingest``) or from data loggers over TCP (``listen``) and
  become one report per device and day.
* ``report`` — reports with their fingerprints; ``verify`` tells whether a
  file is exactly what was reported; ``share`` encrypts a report's raw file
  for one organization and records the grant, ``open`` decrypts it as that
  organization and checks it against the ledger.
* ``sharing`` — organizations' data-sharing keys (the private key in
  ``<wallet>/.sharing/<MSPID>.pem``) and the grants of shared files.
* ``violation`` — exceedances raised by the chaincode with each report, and
  findings recorded by regulators; contested by enterprises, resolved by
  regulators.
* ``period`` — a regulator closes a reporting period; missing reports become
  violations.
* ``compliance`` — year-end verification of emissions against surrendered
  allowances; a shortfall is a violation with a penalty.

Outlets are named ``ENTITY/OUTLET`` (credit code and the outlet's number on
the licence, e.g. ``91110000600037341L/DA001``), or ``--outlet DA001`` with
``--entity``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from client.cli.errors import CommandError
from client.cli.listing import fetch_rows, more_rows, paging_options
from client.cli.options import EcoledgerGroup, globals_of, pass_app
from client.cli.output import emit_json, record, show, table
from client.cli.permit_commands import QUANTITY, YEAR, filters, kg, short_tx, submit, written

if TYPE_CHECKING:
    from client.cli.context import AppContext
    from client.monitoring.reports import Batch, DayReport, Intake
    from client.monitoring.service import MonitoringClient, Submitted


def monitoring_client(app: AppContext) -> MonitoringClient:
    """The acting identity's monitoring client on the all-members channel."""
    from client.cli.permit_commands import _discovery_note
    from client.monitoring.service import MonitoringClient

    return MonitoringClient(app.contract(), app.network.consortium, on_retry=_discovery_note())


def _stamp(value: Any) -> str:
    """``2026-05-02T01:00:00Z by name@MSP`` from an audit stamp (``{tx_id, at, by}``)."""
    if not isinstance(value, dict):
        return str(value or "-")
    by = value.get("by") or {}
    who = f"{by.get('name')}@{by.get('msp_id')}" if isinstance(by, dict) and by.get("name") else str(by or "")
    return " ".join(part for part in (str(value.get("at") or ""), f"by {who}" if who else "") if part) or "-"


def _mg(micrograms: Any, medium: str | None) -> str:
    if micrograms is None:
        return "-"
    from client.monitoring.licence import format_ug

    return format_ug(int(micrograms), medium or "air")


def _grams(value: Any) -> str:
    """Grams as kg with three decimals (exact): ``33913`` → ``33.913 kg``."""
    if value is None:
        return "-"
    whole, rest = divmod(int(value), 1000)
    return f"{whole:,}.{rest:03d} kg"


# -- ecoledger licence -------------------------------------------------------------------------


@click.group("licence", cls=EcoledgerGroup)
def licence_group() -> None:
    """Discharge licences (排污许可): outlets, concentration limits, annual quantities, validity.

    A licence file is YAML; see 'ecoledger licence set --help'.
    """


@licence_group.command("set")
@click.option("--entity", required=True, metavar="CODE", help="Credit code of an enterprise of your region.")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The licence as YAML.")
@pass_app
def licence_set(app: AppContext, entity: str, path: Path) -> None:
    """Record (or replace with a new version) an enterprise's discharge licence (regulators).

    \b
    number: 91110000600037341L001P
    valid_from: 2026-01-01
    valid_to: 2030-12-31
    outlets:
      - id: DA001
        medium: air              # air | water
        kind: main               # main | general
        limits:
          - pollutant: SO2       # SO2 NOx PM VOCs (air), COD NH3-N TP TN (water); or factor: a21026
            limit: 35 mg/m3      # mg/m3 (air) or mg/L (water); bare numbers are in that unit
            annual: 120t         # required at main outlets; kg or t, bare numbers are kg

    Values are converted exactly to whole µg and kg; a value finer than that is refused.
    """
    from client.monitoring.licence import LicenceError, load_licence

    try:
        licence = load_licence(path)
    except LicenceError as err:
        raise CommandError(str(err)) from None
    outcome = submit(app, "Licence:Set", {"entity": entity, "licence": licence})
    limits = sum(len(outlet["limits"]) for outlet in licence["outlets"])
    recorded = outcome.result if isinstance(outcome.result, dict) else {}
    written(app, outcome, {"entity": entity, "licence": licence["number"], "version": recorded.get("version", "-"),
                           "valid": f"{licence['valid_from']} to {licence['valid_to']}",
                           "outlets": ", ".join(f"{o['id']} ({o['medium']}, {o['kind']})" for o in licence["outlets"]),
                           "limits": limits})


def _licence_of(found: Any) -> dict[str, Any]:
    """The licence fields of a ``Licence:*`` answer: the record itself, or its nested ``licence`` object."""
    if not isinstance(found, dict):
        return {}
    nested = found.get("licence")
    return nested if isinstance(nested, dict) else found


def _licence_rows(licence: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for outlet in licence.get("outlets", []):
        for limit in outlet.get("limits", []):
            annual = limit.get("annual_kg")
            rows.append((outlet.get("id"), outlet.get("medium"), outlet.get("kind"), limit.get("factor"),
                         limit.get("pollutant"), _mg(limit.get("limit_ug"), outlet.get("medium")),
                         kg(annual) if annual is not None else "-"))
    return rows


LICENCE_HEADERS = ("outlet", "medium", "kind", "factor", "pollutant", "limit", "annual")


@licence_group.command("show")
@click.argument("entity", metavar="CODE")
@pass_app
def licence_show(app: AppContext, entity: str) -> None:
    """An enterprise's current licence: outlets and limits (in mg/m³ or mg/L and kg/t)."""
    found = app.contract().evaluate("Licence:Show", {"entity": entity})
    if app.as_json:
        emit_json(found)
        return
    licence = _licence_of(found)
    summary = {"entity": found.get("entity", entity), "licence": licence.get("number", "-"),
               "valid": f"{licence.get('valid_from', '?')} to {licence.get('valid_to', '?')}"}
    for key in ("version", "region"):
        if found.get(key) is not None:
            summary[key] = found[key]
    if isinstance(found.get("set"), dict) or isinstance(found.get("recorded"), dict):
        summary["recorded"] = _stamp(found.get("set") or found.get("recorded"))
    record(summary, False)
    click.echo("")
    rows = _licence_rows(licence)
    click.echo(table(rows, LICENCE_HEADERS) if rows else "(no outlets)")


@licence_group.command("history")
@click.argument("entity", metavar="CODE")
@paging_options
@pass_app
def licence_history(app: AppContext, entity: str, limit: int, after: str | None, all_pages: bool) -> None:
    """Every version of an enterprise's licence, newest first."""
    found = fetch_rows(app, "Licence:History", {"entity": entity}, limit=limit, after=after, all_pages=all_pages)
    rows = []
    for item in found.items:
        licence = _licence_of(item)
        rows.append((item.get("version", "-"), licence.get("number"), licence.get("valid_from"),
                     licence.get("valid_to"), len(licence.get("outlets", [])),
                     _stamp(item.get("set") or item.get("recorded") or item)))
    show(found.items, app.as_json, rows=rows, headers=("version", "licence", "from", "to", "outlets", "recorded"),
         empty="(no licence)")
    more_rows(found, app.as_json)


# -- ecoledger monitor -------------------------------------------------------------------------


@click.group("monitor", cls=EcoledgerGroup)
def monitor_group() -> None:
    """HJ 212-2017 monitoring devices and data: register devices, ingest files, serve data loggers."""


def split_outlet(outlet: str, entity: str | None) -> tuple[str, str]:
    """``ENTITY/OUTLET``, or a bare outlet id with ``--entity``."""
    if "/" in outlet:
        owner, _, outlet_id = outlet.partition("/")
        if entity is not None and entity != owner:
            raise CommandError(f"--outlet {outlet} names enterprise {owner}, but --entity is {entity}")
        entity = owner
    else:
        outlet_id = outlet
    if not entity or not outlet_id:
        raise CommandError(f"--outlet {outlet!r}: name the outlet as ENTITY/OUTLET (e.g. "
                           f"91110000600037341L/DA001), or give --entity")
    return entity, outlet_id


@monitor_group.command("register-device")
@click.option("--outlet", required=True, metavar="ENTITY/OUTLET",
              help="The outlet: credit code and outlet number, e.g. 91110000600037341L/DA001.")
@click.option("--entity", metavar="CODE", help="The enterprise, when --outlet is the bare outlet number.")
@click.option("--mn", required=True, help="The device's MN (the HJ 212 device identifier, up to 24 characters).")
@pass_app
def register_device(app: AppContext, outlet: str, entity: str | None, mn: str) -> None:
    """Bind a monitoring device (MN) to an outlet on the enterprise's licence."""
    owner, outlet_id = split_outlet(outlet, entity)
    outcome = submit(app, "Monitor:RegisterDevice", {"entity": owner, "outlet": outlet_id, "mn": mn})
    device = outcome.result if isinstance(outcome.result, dict) else {}
    written(app, outcome, {"device": device.get("mn", mn), "outlet": f"{device.get('entity', owner)}/"
                                                                     f"{device.get('outlet', outlet_id)}",
                           "region": device.get("region", "-"), "medium": device.get("medium", "-"),
                           "kind": device.get("kind", "-")})


@monitor_group.command("device")
@click.argument("mn")
@pass_app
def device(app: AppContext, mn: str) -> None:
    """A registered device and the outlet it measures."""
    found = app.contract().evaluate("Monitor:Device", {"mn": mn})
    if app.as_json:
        emit_json(found)
        return
    record({"device": found.get("mn", mn), "outlet": f"{found.get('entity')}/{found.get('outlet')}",
            "region": found.get("region"), "medium": found.get("medium"), "kind": found.get("kind"),
            "registered": _stamp(found.get("registered"))}, False)


def _intake_problems(intake: Intake) -> list[str]:
    """Each refused frame and skipped stretch, in file order."""
    found = [(r.offset if r.line is not None else float("inf"), f"{r.where()}: refused: {r.reason}")
             for r in intake.refused]
    found += [(s.offset, f"{s.where()}: skipped {s.size} byte(s): {s.note}") for s in intake.skipped]
    return [line for _, line in sorted(found, key=lambda item: item[0])]


def _report_rows(done: list[Submitted]) -> list[tuple[Any, ...]]:
    return [(s.report, s.mn, f"{s.entity}/{s.outlet}", s.period, ", ".join(s.pollutants),
             ", ".join(s.violations) or "-", f"{short_tx(s.tx_id)} (block {s.block})") for s in done]


REPORT_HEADERS = ("report", "device", "outlet", "period", "pollutants", "violations", "tx")


def _check_rows(prepared: list[DayReport]) -> list[tuple[Any, ...]]:
    rows = []
    for report in prepared:
        for p in report.details["pollutants"]:
            rows.append((report.mn, report.period, p["factor"], p["pollutant"], _grams(p["load_g"]),
                         p["max_hourly_ug"] if p["max_hourly_ug"] is not None else "-",
                         f"{p['hours_valid']}/{p['hours_total']}"))
    return rows


@monitor_group.command("ingest")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Parse and compute the reports, show them, send nothing.")
@click.option("--minute-interval", type=click.IntRange(1, 60), default=10, show_default=True,
              help="Minutes one minute message (2051) covers when a day has only one.")
@pass_app
def ingest(app: AppContext, path: Path, check: bool, minute_interval: int) -> None:
    """Report a file of HJ 212 frames (a data logger's log): one report per device and day.

    Every frame is checked (framing, length, CRC, fields, factor codes, data
    flags); good frames are kept and bad ones reported by line with the
    reason. Each report's fingerprint is the SHA-256 and size of FILE, so
    'ecoledger report verify FILE' finds them. Acts as the --as identity
    (a monitoring station or the enterprise).
    """
    from client.monitoring import reports

    data = path.read_bytes()
    fingerprint = reports.fingerprint(data)
    intake = reports.read_frames(data)
    problems = _intake_problems(intake)
    batches = reports.group_days(intake.messages)
    summary: dict[str, Any] = {
        "file": str(path), "fingerprint": fingerprint,
        "frames": {"messages": len(intake.messages), "refused": len(intake.refused),
                   "skipped": len(intake.skipped), "other_commands": dict(intake.other_commands)},
        "refused": [{"line": r.line, "offset": r.offset, "check": r.check, "reason": r.reason, "frame": r.excerpt}
                    for r in intake.refused],
        "skipped": [{"line": s.line, "offset": s.offset, "bytes": s.size, "note": s.note} for s in intake.skipped],
    }
    if not app.as_json:
        click.echo(f"file     {path}  ({fingerprint['size']:,} bytes, sha256 {fingerprint['sha256']})")
        click.echo(f"frames   {len(intake.messages)} data message(s), {len(intake.refused)} refused, "
                   f"{len(intake.skipped)} stretch(es) skipped")
        for line in problems:
            click.echo(f"warning: {line}", err=True)
    if not batches:
        if app.as_json:
            emit_json({**summary, "reports": [], "failed": []})
        raise CommandError(f"{path}: no data message to report ({len(intake.refused)} frame(s) refused)")
    if check:
        prepared = [reports.day_report(batch, minute_interval=minute_interval) for batch in batches]
        if app.as_json:
            emit_json({**summary, "reports": [{"mn": r.mn, "period": r.period, "details": r.details,
                                              "notes": r.notes} for r in prepared], "failed": []})
            return
        click.echo("")
        click.echo(table(_check_rows(prepared), ("device", "period", "factor", "pollutant", "load",
                                                 "max hourly µg", "valid hours")))
        for report in prepared:
            for note in report.notes:
                click.echo(f"note: MN {report.mn} {report.period}: {note}", err=True)
        return
    done, failed = _submit_batches(app, batches, fingerprint, str(path), minute_interval)
    if app.as_json:
        emit_json({**summary, "reports": [s.to_json() for s in done], "failed": failed})
    else:
        click.echo("")
        click.echo(table(_report_rows(done), REPORT_HEADERS) if done else "(no report recorded)")
        violations = sum(len(s.violations) for s in done)
        click.echo(f"\n{len(done)} report(s) recorded, {violations} violation(s) raised")
    if failed:
        raise CommandError(f"{len(failed)} of {len(batches)} report(s) not recorded: "
                           + "; ".join(f"MN {f['mn']} {f['period']}: {f['error']}" for f in failed))


def _submit_batches(app: AppContext, batches: list[Batch], fingerprint: dict[str, Any], file: str,
                    minute_interval: int) -> tuple[list[Submitted], list[dict[str, Any]]]:
    from client.cli.errors import error_line
    from client.cli.progress import bar
    from client.monitoring.service import MonitoringError

    client = monitoring_client(app)
    done: list[Submitted] = []
    failed: list[dict[str, Any]] = []
    with bar("reporting", total=len(batches)) as advance:
        for batch in batches:
            try:
                submitted = client.submit_day(batch, fingerprint, file=file, minute_interval=minute_interval)
            except Exception as err:
                if not isinstance(err, MonitoringError) and not _expected(err):
                    raise
                message = (str(err) if isinstance(err, MonitoringError)
                           else error_line(err, globals_of(click.get_current_context())))
                failed.append({"mn": batch.mn, "period": batch.period, "error": message})
                if not app.as_json:
                    click.echo(f"warning: MN {batch.mn} {batch.period}: not reported: {message}", err=True)
            else:
                done.append(submitted)
                if not app.as_json:
                    for note in submitted.notes:
                        click.echo(f"note: MN {batch.mn} {batch.period}: {note}", err=True)
            advance()
    return done, failed


def _expected(err: Exception) -> bool:
    from client.cli.errors import expected_errors

    return isinstance(err, expected_errors())


@monitor_group.command("listen")
@click.option("--port", required=True, type=click.IntRange(0, 65535), help="TCP port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: all).")
@click.option("--idle", type=click.FloatRange(min=0.1), default=7200.0, show_default=True,
              help="Submit a device's day after this many seconds without data for it.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("hj212-data"),
              show_default=True, help="Where each report's raw frames are kept (one file per device and day).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Reports submitted at the same time.")
@click.option("--duration", type=click.FloatRange(min=0.1), help="Stop after this many seconds (default: run "
                                                                   "until Ctrl-C or SIGTERM).")
@click.option("--minute-interval", type=click.IntRange(1, 60), default=10, show_default=True,
              help="Minutes one minute message (2051) covers when a day has only one.")
@pass_app
def listen(app: AppContext, port: int, host: str, idle: float, data_dir: Path, concurrency: int,
           duration: float | None, minute_interval: int) -> None:
    """Serve HJ 212 data loggers over TCP; report each device's day to the ledger.

    Frames are checked as they arrive; a good frame whose Flag asks for an
    answer gets a 9014 data reply, a bad one is logged and not answered.
    Messages are batched per device and day; a day is reported when it is
    complete (a message of a later day, or the day's 2031 daily message,
    arrives), after --idle seconds without data, and when the server stops
    (Ctrl-C or SIGTERM: open days are reported, then it exits). Each report's
    raw frames are kept in --data-dir, and that file is the report's
    fingerprint ('ecoledger report verify FILE'). Frames of a day already
    reported start a new batch: the ledger refuses a second report of an
    outlet and day, and that batch's file is kept all the same. Connections and
    refusals are logged on stderr; reports print on stdout (with --json, one
    object a line).
    """
    import asyncio
    import json
    import time

    from client.monitoring.listener import Listener, stop_on_signals
    from client.monitoring.service import RawArchive, stream_submitter

    client = monitoring_client(app)
    submit_batch = stream_submitter(client, RawArchive(data_dir), minute_interval=minute_interval)

    def log(message: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {message}", err=True)

    def submitted(batch: Batch, done: Submitted) -> None:
        if app.as_json:
            click.echo(json.dumps({**done.to_json(), "first_frame_at": batch.first_seen,
                                   "last_frame_at": batch.last_seen, "committed_at": time.time()},
                                  ensure_ascii=False, sort_keys=True))
        else:
            click.echo(f"report {done.report}  MN {done.mn}  {done.entity}/{done.outlet}  {done.period}  "
                       f"{', '.join(done.pollutants)}  violations: {', '.join(done.violations) or 'none'}  "
                       f"tx {short_tx(done.tx_id)} (block {done.block})  file {done.file}")
        for note in done.notes:
            log(f"MN={done.mn} {done.period}: note: {note}")

    listener = Listener(submit_batch, idle=idle, concurrency=concurrency, log=log, on_submitted=submitted)

    async def serve() -> Any:
        stop = asyncio.Event()
        undo = stop_on_signals(stop)
        if duration is not None:
            asyncio.get_running_loop().call_later(duration, stop.set)
        try:
            address = await listener.start(host, port)
        except OSError as err:
            undo()
            raise CommandError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
        log(f"listening on {address[0]}:{address[1]} (idle {idle:g} s, raw data in {data_dir}); "
            f"Ctrl-C stops")
        try:
            await stop.wait()
        finally:
            log("stopping: reporting the open days")
            stats = await listener.stop()
            undo()
        return stats

    try:
        stats = asyncio.run(serve())
    except KeyboardInterrupt:  # no signal handler could be installed: report what is still open, then stop
        stats = listener.stats
        for batch in listener.collector.take_all():
            try:
                submitted(batch, submit_batch(batch))
                stats.submitted += 1
            except Exception as err:  # noqa: BLE001 - logged, like the server does
                stats.failed += 1
                log(f"MN={batch.mn} {batch.period}: not reported: {err}")
    log(f"stopped: {stats.connections} connection(s), {stats.frames} frame(s) ({stats.refused} refused), "
        f"{stats.replies} 9014 replies, {stats.submitted} report(s) recorded, {stats.failed} not recorded")
    if app.as_json:
        click.echo(json.dumps({"stopped": stats.to_json()}, sort_keys=True))


# -- ecoledger report --------------------------------------------------------------------------


@click.group("report", cls=EcoledgerGroup)
def report_group() -> None:
    """Monitoring reports: one outlet and period, public fingerprint, private detailed values."""


def _report_summary(found: dict[str, Any]) -> dict[str, Any]:
    fingerprint = found.get("fingerprint") or {}
    summary = {"report": found.get("id"), "device": found.get("mn"),
               "outlet": f"{found.get('entity')}/{found.get('outlet')}", "region": found.get("region"),
               "period": found.get("period"), "source": found.get("source"),
               "fingerprint": f"sha256 {fingerprint.get('sha256')}, {fingerprint.get('size')} bytes"}
    if found.get("station"):
        summary["station"] = found["station"]
    if found.get("totals") is not None:
        summary["loads"] = _totals(found)
    if found.get("late"):
        summary["late"] = "yes: submitted after the period was closed"
    submitted = found.get("submitted") or (found if "tx_id" in found else None)
    if submitted:
        summary["submitted"] = _stamp(submitted)
        summary["tx"] = short_tx(submitted.get("tx_id"))
    return {key: value for key, value in summary.items() if value not in (None, "None/None")}


def _totals(report: dict[str, Any]) -> str:
    """``SO2 33.913 kg (24/24 h), NOx ...`` from a report's public totals."""
    return ", ".join(f"{row.get('pollutant')} {_grams(row.get('load_g'))} ({row.get('hours_valid')}/"
                     f"{row.get('hours_total')} h)" for row in report.get("totals") or []) or "-"


@report_group.command("list")
@click.option("--entity", metavar="CODE", help="Only reports of this enterprise.")
@click.option("--region", help="Only reports of this region.")
@click.option("--outlet", metavar="[ENTITY/]OUTLET", help="Only this outlet (e.g. DA001 with --entity, or "
                                                          "ENTITY/DA001).")
@click.option("--period", help="Only this period: a year YYYY, a month YYYY-MM (with its days) or a day.")
@click.option("--source", type=click.Choice(["enterprise", "station"]), help="Only reports by this source.")
@paging_options
@pass_app
def report_list(app: AppContext, entity: str | None, region: str | None, outlet: str | None, period: str | None,
                source: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Reports you may see: your own (enterprise), your region's (regulator, station), all (coordinator)."""
    if outlet is not None and "/" in outlet:
        entity, outlet = split_outlet(outlet, entity)
    found = fetch_rows(app, "Report:List", filters(entity=entity, region=region, period=period, outlet=outlet,
                                                   source=source), limit=limit, after=after, all_pages=all_pages)
    rows = [(r.get("id"), r.get("entity"), r.get("outlet"), r.get("mn"), r.get("period"), r.get("source"),
             _totals(r), "late" if r.get("late") else "", (r.get("submitted") or {}).get("at", ""))
            for r in found.items]
    show(found.items, app.as_json, rows=rows, headers=("report", "entity", "outlet", "device", "period", "source",
                                                       "loads", "note", "submitted"), empty="(no reports)")
    more_rows(found, app.as_json)


@report_group.command("show")
@click.argument("report_id")
@click.option("--details", is_flag=True, help="Also the detailed values (private: the region's organization and "
                                             "the coordinator only).")
@pass_app
def report_show(app: AppContext, report_id: str, details: bool) -> None:
    """One report: outlet, period, fingerprint, submitter; with --details the values per pollutant and hour."""
    contract = app.contract()
    found = contract.evaluate("Report:Show", {"report_id": report_id})
    private = contract.evaluate("Report:Details", {"report_id": report_id}) if details else None
    if app.as_json:
        emit_json({**found, "details": private} if details else found)
        return
    record(_report_summary(found), False)
    if private is None:
        return
    values = private.get("details", private) if isinstance(private, dict) else {}
    medium = found.get("medium")
    rows = [(p.get("factor"), p.get("pollutant"), _grams(p.get("load_g")), _mg(p.get("max_hourly_ug"), medium),
             f"{p.get('hours_valid')}/{p.get('hours_total')}") for p in values.get("pollutants", [])]
    click.echo("")
    click.echo(table(rows, ("factor", "pollutant", "load", "max hourly mean", "valid hours")) if rows
               else "(no pollutants)")


@report_group.command("verify")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def report_verify(app: AppContext, path: Path) -> None:
    """Whether FILE is exactly the data of a report: which report, who submitted it, when, in which block.

    The file is hashed here (SHA-256 and size) and only the hash is sent. The
    exit status is 0 when the file matches a report and 1 when it matches none.
    """
    from client.monitoring.reports import file_fingerprint

    fingerprint = file_fingerprint(path)
    answer = app.contract().evaluate("Report:Verify", {"sha256": fingerprint["sha256"],
                                                        "size": fingerprint["size"]})
    matches = (answer.get("matches", []) if isinstance(answer, dict) else answer) or []
    blocks = _blocks(app, [str((m.get("submitted") or {}).get("tx_id") or "") for m in matches])
    matches = [{**m, "block": blocks.get(str((m.get("submitted") or {}).get("tx_id") or ""))} for m in matches]
    if app.as_json:
        emit_json({"file": str(path), "fingerprint": fingerprint, "matches": matches})
    elif matches:
        click.echo(f"{path} matches {len(matches)} report(s) (sha256 {fingerprint['sha256']}, "
                   f"{fingerprint['size']:,} bytes)")
        click.echo("")
        click.echo(table([(m.get("report"), f"{m.get('entity')}/{m.get('outlet')}", m.get("mn", ""),
                           m.get("period"), m.get("source"), _stamp(m.get("submitted")),
                           short_tx((m.get("submitted") or {}).get("tx_id")),
                           "-" if m["block"] is None else m["block"]) for m in matches],
                         ("report", "outlet", "device", "period", "source", "submitted", "tx", "block")))
    else:
        click.echo(f"{path} matches no report: nothing on the ledger has sha256 {fingerprint['sha256']} and "
                   f"{fingerprint['size']:,} bytes")
    if not matches:
        click.get_current_context().exit(1)


def _blocks(app: AppContext, tx_ids: list[str]) -> dict[str, int | None]:
    """The block of each transaction, as the acting identity's peer tells (``None``: it cannot)."""
    from client.monitoring.service import block_of

    wanted = sorted({tx for tx in tx_ids if tx})
    if not wanted:
        return {}
    channel = app.network.consortium.channel
    qscc = app.session.gateway(app.identity).get_network(channel).get_contract("qscc")
    return {tx: block_of(qscc, channel, tx) for tx in wanted}


def _wallet_keys(app: AppContext) -> Any:
    """The data-sharing private keys kept with the wallet: ``<wallet>/.sharing/<MSPID>.pem``."""
    from client.monitoring.sharing import KeyStore

    return KeyStore.of_wallet(app.session.wallet.directory)


def _temporary_beside(path: Path, data: bytes, mode: int = 0o644) -> Path:
    """``data`` in a new hidden file next to ``path`` (moved into place by the caller), or one error line."""
    import os
    import secrets

    temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {err.strerror or err}") from None
    return temporary


def _move_into_place(temporary: Path, path: Path) -> None:
    import os

    try:
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {err.strerror or err}") from None


def _ledger_date(value: str | None) -> str | None:
    """``--expires``: a calendar date ``YYYY-MM-DD``."""
    import re
    from datetime import date

    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--expires {value!r}: give the last day as YYYY-MM-DD") from None
    return value


@report_group.command("share")
@click.argument("report_id")
@click.option("--file", "raw_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="RAW", help="The report's raw data file (it must be exactly what was reported).")
@click.option("--to", "org", required=True, metavar="ORG",
              help="The organization to share with: its code (HB) or MSP id (HBMSP).")
@click.option("--expires", metavar="YYYY-MM-DD", help="Last day the grant is valid, China Standard Time "
                                                      "(default: until revoked).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="CIPHERTEXT",
              help="Where to write the encrypted file.")
@pass_app
def report_share(app: AppContext, report_id: str, raw_path: Path, org: str, expires: str | None, out: Path) -> None:
    """Share a report's raw file with one organization (the enterprise that reported it).

    RAW must have the SHA-256 and size of the report on the ledger. It is
    encrypted with a fresh AES-256-GCM key, and that key is wrapped for the
    data-sharing key ORG registered on the ledger; the grant (file and
    ciphertext fingerprints, wrapped key, recipient, expiry) is recorded with
    Sharing:Grant and CIPHERTEXT is written only once the grant is committed.
    Send CIPHERTEXT to ORG by any means: only identities of ORG can open it,
    with 'ecoledger report open', while the grant is active.
    """
    from client.monitoring.sharing import SharingError, prepare_share, recipient_msp

    last_day = _ledger_date(expires)
    client = monitoring_client(app)
    try:
        recipient = recipient_msp(app.network.consortium, org)
        share = prepare_share(client, report_id=report_id, raw=raw_path.read_bytes(), recipient=recipient,
                              name=str(raw_path))
    except SharingError as err:
        raise CommandError(str(err)) from None
    temporary = _temporary_beside(out, share.encrypted.data)
    try:
        outcome = client.submit("Sharing:Grant", share.grant_args(last_day))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _move_into_place(temporary, out)
    grant = outcome.result if isinstance(outcome.result, dict) else {}
    ciphertext = share.encrypted.fingerprint
    if app.as_json:
        emit_json({**grant, "ciphertext_file": str(out), "tx_id": outcome.tx_id, "block": outcome.block_number})
        return
    key = share.recipient_key
    record({"grant": grant.get("id", "-"), "report": report_id, "shared with": recipient,
            "key": f"{key.get('type')} {str(key.get('fingerprint'))[:16]}… (version {key.get('version', '-')})",
            "expires": last_day or "never (until revoked)",
            "ciphertext": f"{out} (sha256 {ciphertext['sha256']}, {ciphertext['size']:,} bytes)",
            "tx": f"{short_tx(outcome.tx_id)}  (block {outcome.block_number})"}, False)
    click.echo(f"\nsend {out} to {recipient}; an identity of {recipient} opens it with "
               f"'ecoledger report open {out.name} --out FILE'")


@report_group.command("open")
@click.argument("path", metavar="CIPHERTEXT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="RAW",
              help="Where to write the decrypted raw file.")
@pass_app
def report_open(app: AppContext, path: Path, out: Path) -> None:
    """Open a file shared with your organization and check it against the ledger.

    The file key is unwrapped with your organization's data-sharing private
    key (<wallet>/.sharing/<MSPID>.pem). RAW is written (owner-only) only
    when the file was shared with your organization, its grant is active
    (neither revoked nor expired), the ciphertext authenticates and the
    decrypted data has the SHA-256 and size of the report on the ledger.
    """
    from client.monitoring.sharing import SharingError, open_shared

    msp_id = app.session.entry(app.identity).identity.msp_id
    client = monitoring_client(app)
    try:
        opened = open_shared(client, path.read_bytes(), msp_id=msp_id, keys=_wallet_keys(app), name=str(path))
    except SharingError as err:
        raise CommandError(str(err)) from None
    _move_into_place(_temporary_beside(out, opened.raw, mode=0o600), out)
    grant = opened.grant
    granted = grant.get("granted") or {}
    summary = {"file": str(out), "report": opened.header.report, "entity": grant.get("entity"),
               "region": grant.get("region"), "grant": grant.get("id"), "shared with": opened.header.recipient,
               "shared": _stamp(granted), "expires": grant.get("expires") or "never (until revoked)",
               "fingerprint": f"sha256 {opened.fingerprint['sha256']}, {opened.fingerprint['size']} bytes"}
    if app.as_json:
        emit_json({"file": str(out), "report": opened.header.report, "fingerprint": opened.fingerprint,
                   "ciphertext": opened.ciphertext, "grant": grant, "matches": opened.matches})
        return
    record(summary, False)
    click.echo(f"\n{out} is exactly the raw data of report {opened.header.report} on the ledger")


# -- ecoledger sharing ---------------------------------------------------------------------------

KEY_TYPES = ("rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384")


@click.group("sharing", cls=EcoledgerGroup)
def sharing_group() -> None:
    """Data-sharing keys of organizations and the grants of shared raw files.

    Each organization registers one public key on the ledger; its private key
    is kept with the wallet, in <wallet>/.sharing/<MSPID>.pem (owner-only).
    Identities that open shared files for the organization need that file, as
    they need their own wallet identity. Enterprises share a report's raw
    file with 'ecoledger report share' and revoke grants here.
    """


def _grant_state(grant: dict[str, Any]) -> str:
    if grant.get("status") == "revoked":
        return "revoked"
    return "active" if grant.get("active") else "expired"


def _grant_summary(grant: dict[str, Any]) -> dict[str, Any]:
    cipher = grant.get("ciphertext") or {}
    file = grant.get("file") or {}
    summary = {"grant": grant.get("id"), "report": grant.get("report"), "entity": grant.get("entity"),
               "region": grant.get("region"), "recipient": grant.get("recipient"), "state": _grant_state(grant),
               "expires": grant.get("expires") or "never (until revoked)",
               "file": f"sha256 {file.get('sha256')}, {file.get('size')} bytes",
               "ciphertext": f"sha256 {cipher.get('sha256')}, {cipher.get('size')} bytes",
               "key": f"{grant.get('key_type')} {str(grant.get('key_fingerprint'))[:16]}…",
               "granted": _stamp(grant.get("granted"))}
    revoked = grant.get("revoked")
    if isinstance(revoked, dict):
        summary["revoked"] = f"{revoked.get('reason', '')} ({_stamp(revoked)})"
    return summary


@sharing_group.command("register-key")
@click.option("--org", metavar="ORG", help="The organization (code or MSP id); acts as its admin, admin-<org>, "
                                           "unless --as is given.")
@click.option("--type", "kind", type=click.Choice(KEY_TYPES), default="rsa-3072", show_default=True,
              help="Kind of key to make when the wallet has none.")
@click.option("--rotate", is_flag=True, help="Make a new key and register it in place of the current one (the old "
                                             "private key is kept beside it for files shared before).")
@pass_app
def sharing_register_key(app: AppContext, org: str | None, kind: str, rotate: bool) -> None:
    """Create your organization's data-sharing key and register it on the ledger (organization admins).

    The private key is written owner-only (mode 0600) to
    <wallet>/.sharing/<MSPID>.pem and the public key is registered with
    Sharing:RegisterKey. Running it again changes nothing when that key is
    registered already; a key registered before this wallet had it is refused
    unless --rotate.
    """
    from client.cli.permit_commands import _discovery_note
    from client.monitoring.service import MonitoringClient
    from client.monitoring.sharing import SharingError, recipient_msp, register_key

    consortium = app.network.consortium
    name = app.identity
    wanted = None
    try:
        if org is not None:
            wanted = recipient_msp(consortium, org)
            code = next(str(getattr(o, "code", o.msp_id)) for o in consortium.organizations if o.msp_id == wanted)
            if "--as" not in globals_of(click.get_current_context()).command_line:
                name = f"admin-{code.lower()}"
    except SharingError as err:
        raise CommandError(str(err)) from None
    if not name:
        raise CommandError("give --org ORG (acting as admin-<org>) or --as an admin identity of the organization")
    msp_id = app.session.entry(name).identity.msp_id
    if wanted is not None and msp_id != wanted:
        raise CommandError(f"identity {name} is of {msp_id}, not of {wanted}; an admin of {wanted} registers its key")
    client = MonitoringClient(app.session.contract(name), consortium, on_retry=_discovery_note())
    try:
        done = register_key(client, msp_id=msp_id, keys=_wallet_keys(app), kind=kind, rotate=rotate)
    except SharingError as err:
        raise CommandError(str(err)) from None
    key = done.key
    outcome = done.outcome
    if app.as_json:
        emit_json({"msp_id": msp_id, "action": done.action, "key": key, "private_key": str(done.path),
                   "archived": str(done.archived) if done.archived else None,
                   "tx_id": outcome.tx_id if outcome else None, "block": outcome.block_number if outcome else None})
        return
    action = {"unchanged": "already registered: nothing sent", "registered": "registered",
              "rotated": "rotated: the new key replaces the old one"}[done.action]
    summary = {"organization": msp_id, "key": action, "type": key.get("type"),
               "fingerprint": key.get("fingerprint"), "version": key.get("version"),
               "private key": f"{done.path} (owner-only)"}
    if done.archived:
        summary["previous key"] = f"{done.archived} (kept for files shared before)"
    if outcome is not None:
        summary["tx"] = f"{short_tx(outcome.tx_id)}  (block {outcome.block_number})"
    record(summary, False)


@sharing_group.command("keys")
@pass_app
def sharing_keys(app: AppContext) -> None:
    """Every organization's registered data-sharing key, and whether this wallet holds its private key."""
    from client.monitoring.sharing import SharingError, key_fingerprint

    found = monitoring_client(app).sharing_keys()
    keys = _wallet_keys(app)

    def held(entry: dict[str, Any]) -> str:
        try:
            private = keys.current(str(entry.get("msp_id")))
        except SharingError:
            return "unreadable"
        if private is None:
            return "no"
        return "yes" if key_fingerprint(private) == entry.get("fingerprint") else "another key"

    marked = [{**entry, "in_wallet": held(entry)} for entry in found]
    rows = [(k.get("msp_id"), k.get("type"), k.get("fingerprint"), k.get("version"),
             _stamp(k.get("registered")), k["in_wallet"]) for k in marked]
    show(marked, app.as_json, rows=rows, headers=("organization", "type", "fingerprint", "version", "registered",
                                                  "private key here"), empty="(no data-sharing keys)")


@sharing_group.command("grants")
@click.option("--report", "report_id", metavar="REPORT_ID", help="Only grants of this report.")
@click.option("--recipient", metavar="ORG", help="Only grants to this organization (code or MSP id).")
@click.option("--ciphertext", "cipher_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE", help="Only grants of this encrypted file.")
@paging_options
@pass_app
def sharing_grants(app: AppContext, report_id: str | None, recipient: str | None, cipher_path: Path | None,
                   limit: int, after: str | None, all_pages: bool) -> None:
    """Grants you may see: your own (enterprise), to your organization, your region's (regulator), all
    (coordinator)."""
    from client.monitoring.reports import file_fingerprint
    from client.monitoring.sharing import SharingError, recipient_msp

    try:
        msp = recipient_msp(app.network.consortium, recipient) if recipient is not None else None
    except SharingError as err:
        raise CommandError(str(err)) from None
    cipher = file_fingerprint(cipher_path)["sha256"] if cipher_path is not None else None
    found = fetch_rows(app, "Sharing:List", filters(report_id=report_id, recipient=msp, ciphertext=cipher),
                       limit=limit, after=after, all_pages=all_pages)
    rows = [(g.get("id"), g.get("report"), g.get("entity"), g.get("recipient"), g.get("expires") or "-",
             _grant_state(g), (g.get("granted") or {}).get("at", "")) for g in found.items]
    show(found.items, app.as_json, rows=rows,
         headers=("grant", "report", "entity", "recipient", "expires", "state", "granted"), empty="(no grants)")
    more_rows(found, app.as_json)


@sharing_group.command("show")
@click.argument("grant_id")
@pass_app
def sharing_show(app: AppContext, grant_id: str) -> None:
    """One grant: report, recipient, fingerprints, expiry, whether it is active."""
    found = app.contract().evaluate("Sharing:Show", {"grant_id": grant_id})
    record(found if app.as_json else _grant_summary(found), app.as_json)


@sharing_group.command("revoke")
@click.argument("grant_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def sharing_revoke(app: AppContext, grant_id: str, reason: str) -> None:
    """Withdraw a grant of your enterprise: the recipient can no longer open the file (enterprises)."""
    outcome = submit(app, "Sharing:Revoke", {"grant_id": grant_id, "reason": reason})
    written(app, outcome, _grant_summary(outcome.result if isinstance(outcome.result, dict) else {}))


# -- ecoledger violation -----------------------------------------------------------------------


@click.group("violation", cls=EcoledgerGroup)
def violation_group() -> None:
    """Violations: exceedances found by the chaincode with each report, and regulators' findings."""


def _violation_summary(found: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {"violation": found.get("id"), "entity": found.get("entity"),
                               "region": found.get("region"), "kind": found.get("kind"),
                               "severity": found.get("severity"), "status": found.get("status"),
                               "source": found.get("source"), "year": found.get("year")}
    evidence = found.get("evidence", found.get("detail"))
    if evidence is not None:
        summary["evidence"] = evidence
    if found.get("at") or found.get("by"):
        summary["recorded"] = _stamp(found)
    if found.get("veto"):
        summary["veto"] = "yes: a one-vote veto kind"
    for key, label in (("contest", "contested"), ("contested", "contested"), ("resolution", "resolved"),
                       ("resolved", "resolved")):
        step = found.get(key)
        if isinstance(step, dict):
            outcome = f"{step['outcome']}: " if step.get("outcome") else ""
            summary[label] = f"{outcome}{step.get('reason', '')} ({_stamp(step)})"
    return {key: value for key, value in summary.items() if value is not None}


def _violation_written(app: AppContext, outcome: Any) -> None:
    found = outcome.result if isinstance(outcome.result, dict) else {}
    written(app, outcome, _violation_summary(found))


@violation_group.command("list")
@click.option("--entity", metavar="CODE", help="Only violations of this enterprise.")
@click.option("--region", help="Only violations of this region.")
@click.option("--status", type=click.Choice(["open", "contested", "resolved"]), help="Only violations in this state.")
@click.option("--year", type=YEAR, help="Only violations of this year.")
@click.option("--kind", help="Only this kind (concentration_exceedance, missing_report, inspection_finding, ...).")
@paging_options
@pass_app
def violation_list(app: AppContext, entity: str | None, region: str | None, status: str | None, year: int | None,
                   kind: str | None, limit: int, after: str | None, all_pages: bool) -> None:
    """Violations you may see: your own (enterprise), your region's (regulator), all (coordinator)."""
    found = fetch_rows(app, "Violation:List", filters(entity=entity, region=region, status=status, year=year,
                                                      kind=kind), limit=limit, after=after, all_pages=all_pages)
    rows = [(v.get("id"), v.get("entity"), v.get("region"), v.get("kind"), v.get("severity", "-"),
             v.get("status", "-"), v.get("source", "-"), v.get("at", "")) for v in found.items]
    show(found.items, app.as_json, rows=rows,
         headers=("violation", "entity", "region", "kind", "severity", "status", "source", "at"),
         empty="(no violations)")
    more_rows(found, app.as_json)


@violation_group.command("show")
@click.argument("violation_id")
@pass_app
def violation_show(app: AppContext, violation_id: str) -> None:
    """One violation with its evidence and history."""
    found = app.contract().evaluate("Violation:Show", {"violation_id": violation_id})
    record(found if app.as_json else _violation_summary(found), app.as_json)


VETO_KINDS = ("environmental_crime", "unapproved_construction", "hidden_discharge_pipe")
SEVERITIES = ("minor", "general", "serious", "severe")


@violation_group.command("record")
@click.option("--entity", required=True, metavar="CODE", help="Credit code of an enterprise of your region.")
@click.option("--kind", required=True,
              help="inspection_finding, unpermitted_discharge, monitoring_data_falsification, "
                   "monitoring_equipment_tampering, licence_condition_breach, or a one-vote veto kind: "
                   f"{', '.join(VETO_KINDS)}.")
@click.option("--severity", type=click.Choice(SEVERITIES),
              help="Default: severe for the one-vote veto kinds, general otherwise.")
@click.option("--evidence", required=True, help="What shows it (inspection record number, photo reference, ...).")
@pass_app
def violation_record(app: AppContext, entity: str, kind: str, severity: str | None, evidence: str) -> None:
    """Record a finding by hand, e.g. an inspection result (regulators of the enterprise's region)."""
    graded = severity or ("severe" if kind in VETO_KINDS else "general")
    outcome = submit(app, "Violation:Record", {"entity": entity, "kind": kind, "severity": graded,
                                               "evidence": evidence})
    _violation_written(app, outcome)


@violation_group.command("contest")
@click.argument("violation_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@pass_app
def violation_contest(app: AppContext, violation_id: str, reason: str) -> None:
    """Dispute an open violation of your enterprise, with the reason (enterprises)."""
    _violation_written(app, submit(app, "Violation:Contest", {"violation_id": violation_id, "reason": reason}))


@violation_group.command("resolve")
@click.argument("violation_id")
@click.option("--reason", required=True, help="Why, kept on the ledger.")
@click.option("--outcome", type=click.Choice(["upheld", "dismissed"]),
              help="upheld (the violation stands, dealt with; the default) or dismissed (it does not count).")
@pass_app
def violation_resolve(app: AppContext, violation_id: str, reason: str, outcome: str | None) -> None:
    """Close an open or contested violation of your region, with the reason (regulators)."""
    _violation_written(app, submit(app, "Violation:Resolve", filters(violation_id=violation_id, reason=reason,
                                                                     outcome=outcome)))

# -- ecoledger period ----------------------------------------------------------------------------


@click.group("period", cls=EcoledgerGroup)
def period_group() -> None:
    """Reporting periods: a regulator closes a day or a month of its region."""


def _period_summary(found: dict[str, Any]) -> dict[str, Any]:
    closed = found.get("closed")
    summary: dict[str, Any] = {"region": found.get("region"), "period": found.get("period"),
                               "closed": _stamp(closed) if closed else "no"}
    if closed:
        summary["enterprises checked"] = found.get("checked", "-")
        missing = found.get("missing") or []
        summary["missing reports"] = ", ".join(f"{m.get('entity')}/{m.get('outlet')} ({m.get('violation')})"
                                               for m in missing) or "none"
    return summary


@period_group.command("close")
@click.option("--period", required=True, help="The day (YYYY-MM-DD) or month (YYYY-MM) to close; it must have ended.")
@pass_app
def period_close(app: AppContext, period: str) -> None:
    """Close a reporting period of your region (regulators).

    Every licensed enterprise of the region with a main outlet not reported
    for the period (by a report of the period, its month or all its days)
    gets a missing_report violation. Reports that arrive later are marked late.
    """
    outcome = submit(app, "Period:Close", {"period": period})
    written(app, outcome, _period_summary(outcome.result if isinstance(outcome.result, dict) else {}))


@period_group.command("show")
@click.option("--period", required=True, help="The day (YYYY-MM-DD) or month (YYYY-MM).")
@click.option("--region", help="The region (the coordinator; others see their own).")
@pass_app
def period_show(app: AppContext, period: str, region: str | None) -> None:
    """Whether a period of a region is closed, and which reports were missing then."""
    found = app.contract().evaluate("Period:Show", filters(period=period, region=region))
    record(found if app.as_json else _period_summary(found), app.as_json)


# -- ecoledger compliance ------------------------------------------------------------------------


@click.group("compliance", cls=EcoledgerGroup)
def compliance_group() -> None:
    """Year-end compliance: verified emissions against surrendered allowances (排污权清缴)."""


def _penalty(fen: Any) -> str:
    from client import units

    return units.format_amount(int(fen)) if fen is not None else "-"


@compliance_group.command("verify")
@click.option("--entity", required=True, metavar="CODE", help="Credit code of an enterprise of your region.")
@click.option("--year", required=True, type=YEAR, help="The emission year (it must have ended).")
@click.option("--pollutant", required=True, help="SO2, NOx, COD, NH3-N, VOCs, PM (ledger parameter pollutants).")
@click.option("--quantity", type=QUANTITY,
              help="Emissions determined otherwise, e.g. 120t (default: the sum of the enterprise's reports).")
@pass_app
def compliance_verify(app: AppContext, entity: str, year: int, pollutant: str, quantity: int | None) -> None:
    """Verify an enterprise's emissions of a year (regulators of its region).

    The enterprise must have surrendered allowances for that year equal to the
    verified emissions plus any shortfall owed from the year before; a shortfall
    is an allowance_shortfall violation with a penalty per tonne, and stays owed.
    """
    outcome = submit(app, "Compliance:Verify", filters(entity=entity, year=year, pollutant=pollutant,
                                                       quantity=quantity))
    done = outcome.result if isinstance(outcome.result, dict) else {}
    written(app, outcome, {"entity": done.get("entity", entity), "year": done.get("year", year),
                           "pollutant": done.get("pollutant", pollutant),
                           "verified": f"{kg(done.get('verified_kg', 0))} (from {done.get('basis', '-')})",
                           "owed from before": kg(done.get("owed_kg", 0)),
                           "required": kg(done.get("required_kg", 0)), "surrendered": kg(done.get("surrendered_kg", 0)),
                           "shortfall": kg(done.get("shortfall_kg", 0)), "penalty": _penalty(done.get("penalty_fen")),
                           "violation": done.get("violation") or "-"})


@compliance_group.command("show")
@click.option("--entity", required=True, metavar="CODE", help="Credit code of the enterprise.")
@click.option("--year", required=True, type=YEAR, help="The emission year.")
@pass_app
def compliance_show(app: AppContext, entity: str, year: int) -> None:
    """An enterprise's year per pollutant: reported emissions and the verification, if any."""
    found = app.contract().evaluate("Compliance:Show", {"entity": entity, "year": year})
    if app.as_json:
        emit_json(found)
        return
    rows = []
    for row in found.get("pollutants", []):
        verification = row.get("verification") or {}
        rows.append((row.get("pollutant"), _grams(row.get("reported_g")),
                     kg(verification["verified_kg"]) if verification else "not verified",
                     kg(verification["surrendered_kg"]) if verification else "-",
                     kg(verification["shortfall_kg"]) if verification else "-",
                     _penalty(verification.get("penalty_fen")) if verification else "-",
                     verification.get("violation") or "-"))
    click.echo(table(rows, ("pollutant", "reported", "verified", "surrendered", "shortfall", "penalty",
                            "violation")) if rows else f"(no emissions of {entity} in {year})")


GROUPS = [licence_group, monitor_group, report_group, sharing_group, violation_group, period_group,
          compliance_group]
