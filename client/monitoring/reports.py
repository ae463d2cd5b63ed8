"""From HJ 212 frames to daily reports: hourly means in µg, validity, loads in grams, fingerprints.

**Periods.** Messages of one device (MN) are grouped by the date of their
``DataTime`` (local time, as devices send it) into reporting periods of one
day, ``YYYY-MM-DD``. :func:`read_frames` finds the frames in a byte stream
(a log file); :class:`Collector` groups messages into :class:`Batch` es, one
per device and day.

**Pollutants.** A report carries the factors of the ledger parameter
``factor_pollutants`` (a21026 SO2, a21002 NOx, a34013 PM, a24088 VOCs,
w01018 COD, w21003 NH3-N, w21011 TP, w21001 TN by default) of the outlet's
medium (``a`` factors air, ``w`` factors water); flows (a00000, w00000) are
used for loads, and any other factor is left out and named in the notes.

**Hours.** Per pollutant and hour:

* an hourly message (CN 2061) gives the hour's mean directly;
* otherwise minute (2051) and real-time (2011) messages are spread over the
  minutes they cover (a minute message covers the interval up to the next
  one: the most common gap between the day's minute messages, or
  ``minute_interval`` when there is only one; a real-time sample covers its
  own minute; minute data wins over real-time data for the same minute). The
  hour is valid with at least 45 valid minutes (the standard's rule for flue
  gas), and its mean is the mean of its valid minutes (of all its minutes when
  none is valid);
* a daily message (2031) is used only for a pollutant with no hourly, minute
  or real-time data that day (its ``hours_*`` are then 0 and ``hourly`` empty).

A value is valid when its data flag is ``N`` (normal) or ``S`` (manual
input), or when the device sends no flag; a negative concentration (zero
drift) is invalid. The concentration reported per hour is the converted one
(``-ZsAvg``, corrected to the reference oxygen, which limits apply to) when
the device sends it, the measured ``-Avg`` otherwise.

**Loads.** Only valid hours count. An hour's load is the device's own
``-Cou`` (kg) when sent; otherwise concentration × flow volume from the flow
factor of the medium (``a00000`` for flue gas in m³/s, ``w00000`` for
wastewater in L/s; its ``-Cou`` in m³ when sent):

* flue gas ``kg/h = C(mg/m³) × Q(m³/h) × 1e-6``;
* wastewater per slice ``kg = Q(L/s) × T(s) × 1e-3 × C(mg/L) × 1e-3``.

**Units and rounding.** The ledger holds integers: concentrations in µg/m³
(air) or µg/L (water), loads in grams. Everything is computed with
:class:`~decimal.Decimal` from the digits the device sent, never with floats.
Device values in mg with up to three decimals (the usual resolution) convert
to µg exactly. A value with finer resolution, and every mean computed from
minute or real-time data, is rounded **half to even** to a whole µg — the
rounding rule of GB/T 8170 ("四舍六入五成双") that Chinese monitoring
results are rounded by. A day's load is summed exactly over its hours and
rounded half to even to a whole gram once, so hourly rounding never adds up.

**Fingerprints.** :func:`fingerprint` is the SHA-256 (lower-case hex) and
the size in bytes of the raw data a report stands for.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from client.monitoring import hj212
from client.monitoring.hj212 import (
    CN_DAILY, CN_HOURLY, CN_MINUTE, CN_REALTIME, DATA_COMMANDS, FACTORS, FLOW_FACTOR, Frame, FrameError, Reading,
)

UG_PER_MG = Decimal(1000)
G_PER_KG = Decimal(1000)
VALID_MINUTES_PER_HOUR = 45
DEFAULT_MINUTE_INTERVAL = 10  # minutes covered by one minute message when the day has only one
HOURS_PER_DAY = 24
SECONDS_PER_HOUR = Decimal(3600)
SECONDS_PER_DAY = Decimal(86400)
# kg = C × V(m³) × factor: air C in mg/m³ (mg → kg: 1e-6); water C in mg/L (1 m³ = 1000 L, so 1e-3)
KG_PER_CONCENTRATION_VOLUME = {"air": Decimal("1e-6"), "water": Decimal("1e-3")}
# flow factor -Avg/-Rtd per second → m³: air m³/s; water L/s (1 L = 1e-3 m³)
M3_PER_FLOW_UNIT = {"air": Decimal(1), "water": Decimal("1e-3")}


def whole(value: Decimal) -> int:
    """``value`` rounded half to even to an integer (GB/T 8170)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def micrograms(milligrams: Decimal) -> int:
    """mg (per m³ or per L) → whole µg, exact for up to three decimals, else rounded half to even."""
    return whole(milligrams * UG_PER_MG)


def grams(kilograms: Decimal) -> int:
    return whole(kilograms * G_PER_KG)


# -- fingerprints ----------------------------------------------------------------------------------


def fingerprint(data: bytes) -> dict[str, Any]:
    """``{"sha256": lower-case hex, "size": bytes}`` of ``data``."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def file_fingerprint(path: str | Path, chunk: int = 1 << 20) -> dict[str, Any]:
    """The fingerprint of a file, read in pieces."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while piece := handle.read(chunk):
            digest.update(piece)
            size += len(piece)
    return {"sha256": digest.hexdigest(), "size": size}


# -- reading a byte stream ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A frame that failed a check: where it starts, why, and its first bytes."""

    offset: int
    line: int | None
    reason: str
    check: str
    excerpt: str

    def where(self) -> str:
        return f"line {self.line}" if self.line is not None else f"byte {self.offset}"


@dataclass(frozen=True)
class Skipped:
    """Bytes between frames that are not a frame (garbage, a frame cut short)."""

    offset: int
    line: int | None
    size: int
    note: str

    def where(self) -> str:
        return f"line {self.line}" if self.line is not None else f"byte {self.offset}"


@dataclass
class Intake:
    """What a byte stream held: the messages (split packets joined), the refusals and the skipped bytes."""

    messages: list[Frame] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    other_commands: Counter[str] = field(default_factory=Counter)  # CN → count, not data


def excerpt(data: bytes, limit: int = 60) -> str:
    text = data.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Lines:
    def __init__(self, data: bytes) -> None:
        self._newlines: list[int] = []
        position = data.find(b"\n")
        while position >= 0:
            self._newlines.append(position)
            position = data.find(b"\n", position + 1)

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1


def read_frames(data: bytes, *, strict_crlf: bool = False) -> Intake:
    """Every frame of ``data`` (a log file: frames one a line, anything else between them is skipped).

    Line numbers are 1-based. Split packets are joined; a message whose
    packets are not all in the file is refused.
    """
    line_of = _Lines(data)
    intake = Intake()
    splitter = hj212.FrameSplitter(strict_crlf=strict_crlf)
    reassembler = hj212.Reassembler()
    first_packet: dict[tuple[str, str | None, str], int] = {}
    chunks = splitter.feed(data)
    tail = splitter.close()
    if tail is not None:
        chunks.append(tail)
    for chunk in chunks:
        line = line_of(chunk.offset)
        if chunk.kind == "garbage":
            if chunk.data.strip():
                intake.skipped.append(Skipped(chunk.offset, line, len(chunk.data), chunk.note))
            continue
        try:
            frame = hj212.parse_frame(chunk.data, strict_crlf=strict_crlf)
            if frame.is_packet:
                first_packet.setdefault((frame.mn, frame.qn, frame.cn), line)
            message = reassembler.add(frame)
        except FrameError as err:
            intake.refused.append(Refusal(chunk.offset, line, str(err), err.check, excerpt(chunk.data)))
            continue
        if message is None:
            continue
        if message.cn in DATA_COMMANDS:
            intake.messages.append(message)
        else:
            intake.other_commands[message.cn] += 1
    for description in reassembler.discard():
        intake.refused.append(Refusal(0, None, f"packet: incomplete split message {description}", "packet", ""))
    return intake


# -- batches of one device and day -----------------------------------------------------------------


@dataclass
class Batch:
    """The messages of one device (MN) for one day, with the bytes of their frames as received."""

    mn: str
    day: date
    messages: list[Frame] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    first_seen: float = 0.0
    last_seen: float = 0.0

    @property
    def period(self) -> str:
        return self.day.isoformat()

    def add(self, message: Frame, now: float = 0.0) -> None:
        if not self.messages:
            self.first_seen = now
        self.messages.append(message)
        self.raw += message.raw
        self.last_seen = now


def day_of(message: Frame) -> date:
    moment = message.data_time
    if moment is None:
        raise FrameError("time", "DataTime", f"CN={message.cn} message has no DataTime")
    return moment.date()


class Collector:
    """Groups data messages into batches per device and day.

    With ``close_days`` (the TCP listener), a day of a device is complete —
    and handed back by :meth:`add` — when a message of a later day arrives for
    that device or when the day's daily message (2031) arrives. Without it
    (a file), batches stay open until :meth:`take_all`.
    """

    def __init__(self, *, close_days: bool = True) -> None:
        self.close_days = close_days
        self._open: dict[tuple[str, date], Batch] = {}

    def __len__(self) -> int:
        return len(self._open)

    @property
    def batches(self) -> list[Batch]:
        return list(self._open.values())

    def add(self, message: Frame, now: float = 0.0) -> list[Batch]:
        """File one data message; returns the batches this message completed."""
        day = day_of(message)
        done: list[Batch] = []
        if self.close_days:
            for key in [k for k in self._open if k[0] == message.mn and k[1] < day]:
                done.append(self._open.pop(key))
        batch = self._open.get((message.mn, day))
        if batch is None:
            batch = self._open[(message.mn, day)] = Batch(message.mn, day)
        batch.add(message, now)
        if self.close_days and message.cn == CN_DAILY:
            done.append(self._open.pop((message.mn, day)))
        return done

    def idle(self, since: float) -> list[Batch]:
        """Take the batches that received nothing after ``since``."""
        stale = [key for key, batch in self._open.items() if batch.last_seen <= since]
        return [self._open.pop(key) for key in stale]

    def take_all(self) -> list[Batch]:
        """Every open batch, by device and day."""
        batches = [self._open[key] for key in sorted(self._open)]
        self._open.clear()
        return batches


def group_days(messages: Iterable[Frame]) -> list[Batch]:
    """Messages grouped into one batch per device and day, sorted by device and day."""
    collector = Collector(close_days=False)
    for message in messages:
        collector.add(message)
    return collector.take_all()


# -- aggregation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slice:
    """One minute (or one hour, or one day) of one pollutant."""

    reported: Decimal  # mg per m³ or per L: converted concentration if sent, else measured
    measured: Decimal
    valid: bool
    load_kg: Decimal | None  # this slice's emission, when it can be told


@dataclass
class DayReport:
    """What one batch reports: the ``details`` sent privately with ``Report:Submit``, and notes."""

    mn: str
    period: str
    details: dict[str, Any]
    messages: int
    notes: list[str] = field(default_factory=list)

    @property
    def pollutants(self) -> list[str]:
        return [p["pollutant"] for p in self.details["pollutants"]]


def _concentration(reading: Reading, suffixes: tuple[str, str]) -> tuple[Decimal, Decimal] | None:
    converted, measured = (reading.number(s) for s in suffixes)
    if converted is None and measured is None:
        return None
    reported = converted if converted is not None else measured
    return reported, measured if measured is not None else reported  # type: ignore[return-value]


def _flow_m3(message: Frame, medium: str, suffix: str, seconds: Decimal) -> Decimal | None:
    """The flow volume of a message's period in m³: the flow factor's -Cou, else its mean rate × seconds."""
    reading = message.readings.get(FLOW_FACTOR[medium])
    if reading is None:
        return None
    volume = reading.number("Cou")
    if volume is not None:
        return volume
    rate = reading.number(suffix)
    return None if rate is None else rate * seconds * M3_PER_FLOW_UNIT[medium]


def _load(reading: Reading, measured: Decimal, volume_m3: Decimal | None, medium: str,
          share: Decimal = Decimal(1)) -> Decimal | None:
    own = reading.number("Cou")
    if own is not None:
        return own * share
    if volume_m3 is None:
        return None
    return measured * volume_m3 * KG_PER_CONCENTRATION_VOLUME[medium]


def _slice(reading: Reading, concentration: tuple[Decimal, Decimal], load: Decimal | None) -> _Slice:
    reported, measured = concentration
    return _Slice(reported, measured, reading.valid and reported >= 0 and measured >= 0, load)


def _minute_interval(messages: Sequence[Frame], default: int) -> int:
    times = sorted({m.data_time for m in messages if m.data_time is not None})
    gaps = Counter(int((b - a).total_seconds() // 60) for a, b in zip(times, times[1:]))
    gaps = Counter({gap: n for gap, n in gaps.items() if 1 <= gap <= 60})
    if not gaps:
        return default
    return min(gaps, key=lambda gap: (-gaps[gap], gap))


class _Day:
    """The slices of one device's day, per pollutant factor."""

    def __init__(self, messages: Sequence[Frame], medium_of: Mapping[str, str], minute_interval: int) -> None:
        by_command: dict[str, list[Frame]] = {cn: [] for cn in DATA_COMMANDS}
        for message in messages:
            by_command[message.cn].append(message)
        self.hourly = by_command[CN_HOURLY]
        self.minutes = by_command[CN_MINUTE]
        self.realtime = by_command[CN_REALTIME]
        self.daily = by_command[CN_DAILY]
        self.medium_of = medium_of
        self.interval = _minute_interval(self.minutes, minute_interval)

    def hours(self, code: str) -> dict[datetime, _Slice]:
        medium = self.medium_of[code]
        hours: dict[datetime, _Slice] = {}
        for message in self.hourly:
            reading = message.readings.get(code)
            concentration = reading and _concentration(reading, ("ZsAvg", "Avg"))
            if reading is None or not concentration:
                continue
            volume = _flow_m3(message, medium, "Avg", SECONDS_PER_HOUR)
            hours[message.data_time] = _slice(reading, concentration,
                                              _load(reading, concentration[1], volume, medium))
        minutes = self._minutes(code, medium)
        for hour in sorted({minute.replace(minute=0) for minute in minutes} - set(hours)):
            inside = [minutes[hour + timedelta(minutes=m)] for m in range(60) if hour + timedelta(minutes=m) in minutes]
            valid = [s for s in inside if s.valid]
            used = valid or inside
            with localcontext() as context:
                context.prec = 34
                reported = sum((s.reported for s in used), Decimal(0)) / len(used)
                measured = sum((s.measured for s in used), Decimal(0)) / len(used)
            loads = [s.load_kg for s in valid]
            load = sum(loads, Decimal(0)) if loads and all(x is not None for x in loads) else None  # type: ignore[misc]
            hours[hour] = _Slice(reported, measured, len(valid) >= VALID_MINUTES_PER_HOUR, load)
        return hours

    def _minutes(self, code: str, medium: str) -> dict[datetime, _Slice]:
        minutes: dict[datetime, _Slice] = {}
        samples: dict[datetime, list[tuple[Reading, tuple[Decimal, Decimal], Decimal | None]]] = {}
        for message in self.realtime:
            reading = message.readings.get(code)
            concentration = reading and _concentration(reading, ("ZsRtd", "Rtd"))
            if reading is None or not concentration:
                continue
            flow = message.readings.get(FLOW_FACTOR[medium])
            rate = flow.number("Rtd") if flow is not None else None
            volume = None if rate is None else rate * 60 * M3_PER_FLOW_UNIT[medium]
            minute = message.data_time.replace(second=0, microsecond=0)
            samples.setdefault(minute, []).append((reading, concentration, volume))
        for minute, found in samples.items():
            valid = [s for s in found if s[0].valid and s[1][0] >= 0 and s[1][1] >= 0]
            used = valid or found
            with localcontext() as context:
                context.prec = 34
                reported = sum((c[0] for _, c, _ in used), Decimal(0)) / len(used)
                measured = sum((c[1] for _, c, _ in used), Decimal(0)) / len(used)
                volumes = [v for _, _, v in used if v is not None]
                volume = sum(volumes, Decimal(0)) / len(volumes) if volumes else None
            load = None if volume is None else measured * volume * KG_PER_CONCENTRATION_VOLUME[medium]
            minutes[minute] = _Slice(reported, measured, bool(valid), load)
        for message in self.minutes:
            reading = message.readings.get(code)
            concentration = reading and _concentration(reading, ("ZsAvg", "Avg"))
            if reading is None or not concentration:
                continue
            start = message.data_time
            hour_end = start.replace(minute=0) + timedelta(hours=1)
            covered = [start + timedelta(minutes=m) for m in range(self.interval)
                       if start + timedelta(minutes=m) < hour_end]
            share = Decimal(1) / self.interval
            volume = _flow_m3(message, medium, "Avg", Decimal(60) * self.interval)
            per_minute = None if volume is None else volume * share
            load = _load(reading, concentration[1], per_minute, medium, share)
            for minute in covered:
                minutes[minute] = _slice(reading, concentration, load)
        return minutes

    def daily_slice(self, code: str) -> _Slice | None:
        medium = self.medium_of[code]
        for message in self.daily:
            reading = message.readings.get(code)
            concentration = reading and _concentration(reading, ("ZsAvg", "Avg"))
            if reading is None or not concentration:
                continue
            volume = _flow_m3(message, medium, "Avg", SECONDS_PER_DAY)
            return _slice(reading, concentration, _load(reading, concentration[1], volume, medium))
        return None


def catalogue_pollutants() -> dict[str, str]:
    """The pollutant factors of :data:`~client.monitoring.hj212.FACTORS`: factor code → pollutant."""
    return {code: factor.pollutant for code, factor in FACTORS.items() if factor.role == "pollutant"}


def day_report(batch: Batch, *, medium: str | None = None, pollutants: Mapping[str, str] | None = None,
               minute_interval: int = DEFAULT_MINUTE_INTERVAL) -> DayReport:
    """The report of one device and day: per pollutant its load, hourly means, maximum and completeness.

    ``pollutants`` maps the factors to report to their pollutant (the ledger's
    parameter ``factor_pollutants``; default: the catalogue's pollutant
    factors). ``medium`` (``air``/``water``, the outlet's) keeps the factors of
    that medium only. Other factors are left out and named in the notes.
    """
    wanted = dict(pollutants) if pollutants is not None else catalogue_pollutants()
    messages: list[Frame] = []
    seen: set[tuple[str, datetime | None]] = set()
    duplicates = 0
    for message in batch.messages:
        key = (message.cn, message.data_time)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        messages.append(message)
    notes: list[str] = []
    if duplicates:
        notes.append(f"{duplicates} repeated message(s) (same command and DataTime) ignored; the first copy counts")
    present: dict[str, str] = {}
    unknown: set[str] = set()
    other_medium: set[str] = set()
    for message in messages:
        for code in message.readings:
            factor_medium = hj212.medium_of(code)
            if code not in wanted or factor_medium is None:
                known = FACTORS.get(code)
                if known is None or known.role == "pollutant":
                    unknown.add(code)
            elif medium is not None and factor_medium != medium:
                other_medium.add(code)
            else:
                present[code] = factor_medium
    if unknown:
        notes.append("factors not reported (not monitored pollutants): " + ", ".join(sorted(unknown)))
    if other_medium:
        notes.append(f"{', '.join(sorted(other_medium))} not reported: not {medium} factors")
    day = _Day(messages, present, minute_interval)
    entries = []
    for code in sorted(present):
        entry, missing = _pollutant(day, code, wanted[code])
        if missing:
            notes.append(f"{code} ({wanted[code]}): {missing} valid period(s) without a flow or -Cou value; "
                         f"their load is not counted")
        if entry is not None:
            entries.append(entry)
    return DayReport(batch.mn, batch.period, {"pollutants": entries}, len(messages), notes)


def _pollutant(day: _Day, code: str, name: str) -> tuple[dict[str, Any] | None, int]:
    hours = day.hours(code)
    missing = 0
    if hours:
        load = Decimal(0)
        hourly = []
        for hour in sorted(hours):
            part = hours[hour]
            if part.valid:
                if part.load_kg is None:
                    missing += 1
                else:
                    load += part.load_kg
            hourly.append({"hour": hour.strftime("%Y%m%d%H"), "mean_ug": max(0, micrograms(part.reported)),
                           "valid": part.valid})
        valid_means = [entry["mean_ug"] for entry in hourly if entry["valid"]]
        return {"factor": code, "pollutant": name, "load_g": grams(load),
                "max_hourly_ug": max(valid_means) if valid_means else None,
                "hours_valid": len(valid_means), "hours_total": HOURS_PER_DAY, "hourly": hourly}, missing
    whole_day = day.daily_slice(code)
    if whole_day is None:
        return None, 0
    load = Decimal(0)
    if whole_day.valid:
        if whole_day.load_kg is None:
            missing = 1
        else:
            load = whole_day.load_kg
    return {"factor": code, "pollutant": name, "load_g": grams(load), "max_hourly_ug": None,
            "hours_valid": 0, "hours_total": 0, "hourly": []}, missing
