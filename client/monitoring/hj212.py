"""HJ 212-2017 frames: parse and validate, build, and find them in a byte stream.

A frame is ``##`` + a 4-digit decimal length of the data segment + the data
segment (at most 1024 bytes) + the CRC of the data segment as 4 hex digits +
CR LF::

    ##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80

The data segment holds ``QN`` (request time ``YYYYMMDDhhmmsszzz``), ``ST``
(system), ``CN`` (command), ``PW``, ``MN`` (the device), ``Flag``, for split
messages ``PNUM``/``PNO``, and ``CP=&&…&&``: items separated by ``;``, fields
of an item by ``,``, each ``name=value``. Measured values are named
``<factor>-<suffix>`` (``a21026-Avg=12.345``, ``a21026-Flag=N``).

:func:`parse_frame` checks, in this order, and refuses with a
:class:`FrameError` whose ``check`` and ``field`` say what failed:

========  ===============================================================
framing   ``##`` at the start, CR LF at the end, a 4-digit length
length    the declared length equals the data segment's length in bytes
crc       the standard's CRC (Annex A, *not* CRC-16/MODBUS) of the data segment
encoding  the data segment is UTF-8 text without control characters
header    the fields before ``CP`` (known names, once each, valid values)
flag      the ``Flag`` bits: A (answer required), D (split packet)
packet    ``PNUM``/``PNO`` present exactly when D is set, ``1 ≤ PNO ≤ PNUM``
cp        ``CP=&&…&&`` and its ``name=value`` fields
factor    factor codes (a letter and five digits) and their suffixes
value     numbers are plain decimals, data flags are N F M S D C T B
time      ``QN`` and ``DataTime`` are real times; data commands carry one
          ``DataTime`` at the start of their period
========  ===============================================================

Factor codes are checked for the standard's form, not against a closed list:
a well-formed code missing from :data:`FACTORS` is kept (devices report many
more factors than any catalogue here names) and left to the caller.

:func:`build_frame` writes frames (the simulated data logger, the tests and
the ``9014`` data replies of :func:`reply_9014`); :class:`FrameSplitter`
finds frames in a byte stream, reporting the bytes it skips;
:class:`Reassembler` joins split packets into one message.

Everything here is the standard library only, with no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

HEADER = b"##"
CRLF = b"\r\n"
MAX_DATA = 1024  # bytes of data segment
LENGTH_DIGITS = 4
CRC_DIGITS = 4
MAX_FRAME = len(HEADER) + LENGTH_DIGITS + MAX_DATA + CRC_DIGITS + len(CRLF)  # 1036

# -- commands, systems, flags, factors -------------------------------------------------------------

CN_REALTIME = "2011"
CN_MINUTE = "2051"
CN_HOURLY = "2061"
CN_DAILY = "2031"
CN_DATA_REPLY = "9014"
DATA_COMMANDS = {CN_REALTIME: "real-time data", CN_MINUTE: "minute data", CN_HOURLY: "hourly data",
                 CN_DAILY: "daily data"}
COMMANDS = {**DATA_COMMANDS, "2021": "device status", "9011": "request reply", "9012": "execution result",
            "9013": "notification reply", CN_DATA_REPLY: "data reply"}

SYSTEMS = {"21": "surface water", "22": "ambient air", "31": "air pollution source",
           "32": "surface-water pollution source", "91": "system interaction"}
ST_REPLY = "91"

FLAG_ANSWER = 0b01  # A: the sender wants an answer
FLAG_PACKET = 0b10  # D: PNUM and PNO are present
VERSION_2017 = 0b000001  # V5..V0
FLAG_2017 = VERSION_2017 << 2  # 4: the 2017 version, no answer, not split

DATA_FLAGS = {"N": "normal", "F": "stopped", "M": "maintenance", "S": "manual input", "D": "fault",
              "C": "calibration", "T": "over range", "B": "communication failure"}
VALID_FLAGS = frozenset("NS")

NUMERIC_SUFFIXES = frozenset({"Rtd", "Min", "Avg", "Max", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "Cou",
                              "UpValue", "LowValue", "Ala", "Data", "DayData", "NightData"})
TEXT_SUFFIXES = frozenset({"Flag", "EFlag", "SampleTime", "Info", "SN"})
SUFFIXES = NUMERIC_SUFFIXES | TEXT_SUFFIXES

HEADER_FIELDS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")


@dataclass(frozen=True)
class Factor:
    """A monitored factor: its code, the ledger's pollutant name (or a description), medium and units."""

    code: str
    pollutant: str
    medium: str  # "air" | "water"
    role: str  # "pollutant" (concentration with a load) | "flow" | "auxiliary"
    unit: str
    cou_unit: str | None = None


FACTORS: dict[str, Factor] = {f.code: f for f in (
    Factor("a00000", "flue-gas flow", "air", "flow", "m³/s", "m³"),
    Factor("a21026", "SO2", "air", "pollutant", "mg/m³", "kg"),
    Factor("a21002", "NOx", "air", "pollutant", "mg/m³", "kg"),
    Factor("a34013", "PM", "air", "pollutant", "mg/m³", "kg"),
    Factor("a24088", "VOCs", "air", "pollutant", "mg/m³", "kg"),
    Factor("a19001", "O2", "air", "auxiliary", "%"),
    Factor("w00000", "wastewater flow", "water", "flow", "L/s", "m³"),
    Factor("w01018", "COD", "water", "pollutant", "mg/L", "kg"),
    Factor("w21003", "NH3-N", "water", "pollutant", "mg/L", "kg"),
    Factor("w21011", "TP", "water", "pollutant", "mg/L", "kg"),
    Factor("w21001", "TN", "water", "pollutant", "mg/L", "kg"),
    Factor("w01001", "pH", "water", "auxiliary", "pH"),
)}
FLOW_FACTOR = {"air": "a00000", "water": "w00000"}
POLLUTANT_FACTOR = {f.pollutant: f.code for f in FACTORS.values() if f.role == "pollutant"}
MEDIUM_OF_PREFIX = {"a": "air", "w": "water"}


def medium_of(code: str) -> str | None:
    """``air`` for an ``a`` factor, ``water`` for a ``w`` factor (the standard's code families), else ``None``."""
    known = FACTORS.get(code)
    return known.medium if known is not None else MEDIUM_OF_PREFIX.get(code[:1])

_FACTOR_CODE = re.compile(r"[a-z][0-9]{5}")
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_MN = re.compile(r"[0-9A-Za-z_-]{1,24}")
_PW = re.compile(r"[^;,=&\s]{1,32}")
_DIGITS = re.compile(r"[0-9]+")


# -- errors ----------------------------------------------------------------------------------------


class FrameError(ValueError):
    """A frame refused by one check; ``str()`` is ``"<check>: <what, naming the field>"``."""

    def __init__(self, check: str, field: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.field = field
        self.detail = detail


# -- the CRC ---------------------------------------------------------------------------------------


def crc16(data: bytes) -> int:
    """The standard's CRC (Annex A) of ``data``: ``"123456789"`` gives ``0x2F80`` (MODBUS would give 0x4B37).

    The register starts at 0xFFFF; each byte is XORed into the register
    shifted right by 8 (not into the register itself, as MODBUS does), then
    the register is shifted right 8 times, XORed with 0xA001 whenever the bit
    shifted out was 1.
    """
    register = 0xFFFF
    for byte in data:
        register = (register >> 8) ^ byte
        for _ in range(8):
            carry = register & 1
            register >>= 1
            if carry:
                register ^= 0xA001
    return register


def crc_text(data: bytes) -> str:
    """The CRC as it is written in a frame: 4 upper-case hex digits, high byte first."""
    return f"{crc16(data):04X}"


# -- frames ----------------------------------------------------------------------------------------

Item = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reading:
    """The fields of one factor in one message: ``{"Avg": "12.3", "Flag": "N", ...}``."""

    code: str
    fields: Mapping[str, str]

    def number(self, suffix: str) -> Decimal | None:
        text = self.fields.get(suffix)
        return None if text is None or text == "" else Decimal(text)

    @property
    def flag(self) -> str | None:
        return self.fields.get("Flag") or None

    @property
    def valid(self) -> bool:
        """Valid data: flag N (normal) or S (manual input); a reading without a flag counts as normal."""
        return (self.flag or "N") in VALID_FLAGS


@dataclass(frozen=True)
class Frame:
    """One parsed frame (or, once :class:`Reassembler` joined its packets, one whole message)."""

    qn: str | None
    st: str
    cn: str
    pw: str
    mn: str
    flag: int
    pnum: int | None
    pno: int | None
    items: tuple[Item, ...]
    raw: bytes = field(repr=False)
    data: str = field(repr=False)

    @property
    def answer_required(self) -> bool:
        return bool(self.flag & FLAG_ANSWER)

    @property
    def is_packet(self) -> bool:
        return self.pnum is not None

    @property
    def version(self) -> int:
        return self.flag >> 2

    def values(self, name: str) -> list[str]:
        """Every value of a CP field called ``name``, in order."""
        return [value for item in self.items for key, value in item if key == name]

    def value(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    @property
    def data_time(self) -> datetime | None:
        text = self.value("DataTime")
        return parse_time(text, "DataTime") if text else None

    @property
    def readings(self) -> dict[str, Reading]:
        """The factors of the message with their fields, in order of appearance."""
        grouped: dict[str, dict[str, str]] = {}
        for item in self.items:
            for name, value in item:
                if "-" in name:
                    code, suffix = name.split("-", 1)
                    grouped.setdefault(code, {})[suffix] = value
        return {code: Reading(code, fields) for code, fields in grouped.items()}


def parse_time(text: str, name: str) -> datetime:
    """``YYYYMMDDhhmmss`` (``DataTime``) or ``YYYYMMDDhhmmsszzz`` (``QN``) as a naive local time."""
    digits = 17 if name == "QN" else 14
    shape = "YYYYMMDDhhmmsszzz" if digits == 17 else "YYYYMMDDhhmmss"
    if len(text) != digits or not text.isdigit() or not text.isascii():
        raise FrameError("time", name, f"{name}={text!r} is not a time {shape}")
    try:
        moment = datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        raise FrameError("time", name, f"{name}={text} is not a real date and time") from None
    return moment.replace(microsecond=int(text[14:]) * 1000) if digits == 17 else moment


def parse_frame(raw: bytes, *, strict_crlf: bool = True) -> Frame:
    """Check one whole frame, ``##`` to CR LF, and return it parsed; see the module docstring for the checks.

    With ``strict_crlf=False`` a frame may end with a bare LF (log files whose
    line endings were converted); the CRC never covers the line ending.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError("parse_frame takes bytes")
    raw = bytes(raw)
    if not raw.startswith(HEADER):
        raise FrameError("framing", "header", f"a frame starts with '##', this one with {_show(raw[:2])}")
    if raw.endswith(CRLF):
        body = raw[len(HEADER):-len(CRLF)]
    elif not strict_crlf and raw.endswith(b"\n"):
        body = raw[len(HEADER):-1]
    else:
        raise FrameError("framing", "end", f"a frame ends with CR LF, this one with {_show(raw[-2:])} "
                                           f"(incomplete or cut)")
    if len(body) < LENGTH_DIGITS + CRC_DIGITS:
        raise FrameError("framing", "length", f"frame of {len(raw)} bytes is too short for a length and a CRC")
    length_text = body[:LENGTH_DIGITS]
    if not _DIGITS.fullmatch(length_text.decode("latin-1")):
        raise FrameError("framing", "length", f"the length field {_show(length_text)} is not 4 decimal digits")
    declared = int(length_text)
    data = body[LENGTH_DIGITS:-CRC_DIGITS]
    given_crc = body[-CRC_DIGITS:]
    if declared > MAX_DATA:
        raise FrameError("length", "length", f"declared length {declared} exceeds the maximum of {MAX_DATA}")
    if declared != len(data):
        unit = "characters" if data.isascii() else "bytes"
        raise FrameError("length", "length", f"declared length {declared} but data segment has {len(data)} {unit}")
    crc_given = given_crc.decode("latin-1")
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", crc_given):
        raise FrameError("crc", "CRC", f"the CRC field {_show(given_crc)} is not 4 hex digits")
    computed = crc_text(data)
    if crc_given.upper() != computed:
        raise FrameError("crc", "CRC", f"CRC {crc_given} does not match the data segment (its CRC is {computed})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FrameError("encoding", "data segment",
                         f"the data segment is not UTF-8 text (byte 0x{data[err.start]:02x} at offset "
                         f"{err.start})") from None
    control = next((i for i, ch in enumerate(text) if ord(ch) < 0x20 or ord(ch) == 0x7F), None)
    if control is not None:
        raise FrameError("encoding", "data segment",
                         f"the data segment holds control character 0x{ord(text[control]):02x} at offset {control}")
    frame = _parse_data(text, raw)
    if not frame.is_packet:
        check_message(frame)
    return frame


def _show(data: bytes) -> str:
    return repr(data.decode("latin-1")) if data.isascii() else data.hex(" ")


def _parse_data(text: str, raw: bytes) -> Frame:
    start = text.find("CP=&&")
    if start < 0:
        raise FrameError("cp", "CP", "the data segment has no CP=&&…&& field")
    if not text.endswith("&&") or len(text) < start + len("CP=&&&&"):
        raise FrameError("cp", "CP", "CP must end the data segment, enclosed in && … &&")
    head, cp = text[:start], text[start + len("CP=&&"):-2]
    if head and not head.endswith(";"):
        raise FrameError("header", "CP", "the field before CP must end with ';'")
    header: dict[str, str] = {}
    for part in head.split(";")[:-1] if head else []:
        name, sep, value = part.partition("=")
        if not sep:
            raise FrameError("header", name or "header", f"header field {part!r} has no '='")
        if name not in HEADER_FIELDS:
            raise FrameError("header", name, f"{name!r} is not an HJ 212-2017 header field "
                                             f"({', '.join(HEADER_FIELDS)}, then CP)")
        if name in header:
            raise FrameError("header", name, f"header field {name} appears twice")
        header[name] = value
    for name in ("ST", "CN", "PW", "MN"):
        if name not in header:
            raise FrameError("header", name, f"the required header field {name} is missing")
    st, cn, pw, mn = header["ST"], header["CN"], header["PW"], header["MN"]
    if not re.fullmatch(r"[0-9]{2}", st):
        raise FrameError("header", "ST", f"ST={st!r} is not a 2-digit system code")
    if not re.fullmatch(r"[0-9]{4}", cn):
        raise FrameError("header", "CN", f"CN={cn!r} is not a 4-digit command code")
    if not _PW.fullmatch(pw):
        raise FrameError("header", "PW", f"PW={pw!r} is not 1 to 32 printable characters")
    if not _MN.fullmatch(mn):
        raise FrameError("header", "MN", f"MN={mn!r} is not 1 to 24 letters, digits, '-' or '_'")
    qn = header.get("QN")
    if qn is not None:
        parse_time(qn, "QN")
    elif cn in DATA_COMMANDS:
        raise FrameError("header", "QN", f"CN={cn} ({DATA_COMMANDS[cn]}) needs a QN (request time)")
    flag_text = header.get("Flag")
    if flag_text is None:
        flag = 0  # frames of earlier versions carry no Flag: no answer, not split
    elif not re.fullmatch(r"[0-9]{1,3}", flag_text) or int(flag_text) > 255:
        raise FrameError("flag", "Flag", f"Flag={flag_text!r} is not a number from 0 to 255")
    else:
        flag = int(flag_text)
    pnum, pno = _packet_numbers(header, flag)
    items = _parse_cp(cp)
    return Frame(qn=qn, st=st, cn=cn, pw=pw, mn=mn, flag=flag, pnum=pnum, pno=pno, items=items, raw=raw, data=text)


def _packet_numbers(header: Mapping[str, str], flag: int) -> tuple[int | None, int | None]:
    split = bool(flag & FLAG_PACKET)
    present = [name for name in ("PNUM", "PNO") if name in header]
    if split and len(present) < 2:
        missing = next(name for name in ("PNUM", "PNO") if name not in header)
        raise FrameError("packet", missing, f"Flag={flag} says the message is split (D=1) but {missing} is missing")
    if not split and present:
        raise FrameError("packet", present[0], f"{present[0]} is given but Flag={flag} does not say the message is "
                                               f"split (D=0)")
    if not split:
        return None, None
    numbers = []
    for name in ("PNUM", "PNO"):
        value = header[name]
        if not re.fullmatch(r"[0-9]{1,4}", value) or int(value) < 1:
            raise FrameError("packet", name, f"{name}={value!r} is not a whole number from 1 to 9999")
        numbers.append(int(value))
    pnum, pno = numbers
    if pno > pnum:
        raise FrameError("packet", "PNO", f"PNO={pno} exceeds PNUM={pnum}")
    return pnum, pno


def _parse_cp(cp: str) -> tuple[Item, ...]:
    items: list[Item] = []
    seen: set[str] = set()
    for item_text in cp.split(";"):
        if not item_text:
            continue  # tolerate empty items (a ';' before the closing &&)
        fields: list[tuple[str, str]] = []
        for part in item_text.split(","):
            name, sep, value = part.partition("=")
            if not sep:
                raise FrameError("cp", part or "CP", f"CP field {part!r} has no '='")
            _check_field(name, value)
            if "-" in name:
                if name in seen:
                    raise FrameError("cp", name, f"CP field {name} appears twice")
                seen.add(name)
            fields.append((name, value))
        items.append(tuple(fields))
    return tuple(items)


def _check_field(name: str, value: str) -> None:
    if "-" not in name:
        if not _PLAIN_NAME.fullmatch(name):
            raise FrameError("cp", name or "CP", f"CP field name {name!r} is not a name")
        if name in ("DataTime", "SystemTime", "BeginTime", "EndTime") and value:
            parse_time(value, name)
        return
    code, suffix = name.split("-", 1)
    if not _FACTOR_CODE.fullmatch(code):
        raise FrameError("factor", name, f"{name}: {code!r} is not an HJ 212-2017 factor code (a lower-case letter "
                                         f"and five digits, e.g. a21026)")
    if suffix not in SUFFIXES:
        raise FrameError("factor", name, f"{name}: unknown field suffix {suffix!r} (known: "
                                         f"{', '.join(sorted(SUFFIXES))})")
    if suffix in NUMERIC_SUFFIXES and value and not _NUMBER.fullmatch(value):
        raise FrameError("value", name, f"{name}={value!r} is not a decimal number")
    if suffix == "Flag" and value not in DATA_FLAGS:
        raise FrameError("value", name, f"{name}={value!r} is not a data flag ("
                                        f"{', '.join(f'{k} {v}' for k, v in DATA_FLAGS.items())})")
    if suffix == "SampleTime" and value:
        parse_time(value, name)


PERIOD_ALIGNMENT = {CN_MINUTE: ("minute", 1), CN_HOURLY: ("hour", 2), CN_DAILY: ("day", 3)}


def check_message(frame: Frame) -> None:
    """The checks of a whole message (not of one packet of it): data commands carry one ``DataTime``,
    at the start of their period (minute, hour or day)."""
    if frame.cn not in DATA_COMMANDS:
        return
    times = frame.values("DataTime")
    if len(times) != 1:
        raise FrameError("time", "DataTime", f"CN={frame.cn} ({DATA_COMMANDS[frame.cn]}) needs one DataTime, "
                                             f"this message has {len(times)}")
    moment = parse_time(times[0], "DataTime")
    alignment = PERIOD_ALIGNMENT.get(frame.cn)
    if alignment is not None:
        unit, level = alignment
        parts = (moment.second, moment.minute, moment.hour)[:level]
        if any(parts):
            raise FrameError("time", "DataTime", f"CN={frame.cn} ({DATA_COMMANDS[frame.cn]}) DataTime={times[0]} "
                                                 f"is not the start of a {unit}")


# -- building frames -------------------------------------------------------------------------------


def encode_frame(data: str) -> bytes:
    """Wrap a data segment: ``##`` + length + data + CRC + CR LF."""
    body = data.encode("utf-8")
    if len(body) > MAX_DATA:
        raise ValueError(f"data segment of {len(body)} bytes exceeds the maximum of {MAX_DATA}")
    return HEADER + f"{len(body):04d}".encode("ascii") + body + crc_text(body).encode("ascii") + CRLF


def qn_of(moment: datetime) -> str:
    """A QN (request time with milliseconds) for ``moment``."""
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def data_time(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return data_time(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("give measured values as Decimal, int or str, not float")
    return str(value)


def cp_text(items: Iterable[Mapping[str, object] | str]) -> str:
    """CP content from items, each a mapping of field to value (or already written text)."""
    parts = []
    for item in items:
        parts.append(item if isinstance(item, str) else ",".join(f"{k}={_text(v)}" for k, v in item.items()))
    return ";".join(parts)


def data_segment(*, cn: str, mn: str, cp: str | Iterable[Mapping[str, object] | str] = "", st: str = "31",
                 pw: str = "123456", qn: str | datetime | None = None, flag: int = FLAG_2017,
                 pnum: int | None = None, pno: int | None = None) -> str:
    header = []
    if qn is not None:
        header.append(f"QN={qn_of(qn) if isinstance(qn, datetime) else qn}")
    header += [f"ST={st}", f"CN={cn}", f"PW={pw}", f"MN={mn}", f"Flag={flag}"]
    if pnum is not None:
        header += [f"PNUM={pnum}", f"PNO={pno}"]
    content = cp if isinstance(cp, str) else cp_text(cp)
    return ";".join(header) + f";CP=&&{content}&&"


def build_frame(*, cn: str, mn: str, cp: str | Iterable[Mapping[str, object] | str] = "", st: str = "31",
                pw: str = "123456", qn: str | datetime | None = None, flag: int = FLAG_2017,
                pnum: int | None = None, pno: int | None = None) -> bytes:
    """A frame with a correct length and CRC. Nothing is validated: tests build bad frames with it too."""
    return encode_frame(data_segment(cn=cn, mn=mn, cp=cp, st=st, pw=pw, qn=qn, flag=flag, pnum=pnum, pno=pno))


def data_frame(cn: str, mn: str, when: datetime, readings: Mapping[str, Mapping[str, object]], *,
               qn: str | datetime | None = None, st: str = "31", pw: str = "123456", answer: bool = False) -> bytes:
    """A data message (2011, 2051, 2061, 2031): ``DataTime`` then one item per factor,
    e.g. ``{"a21026": {"Avg": "12.5", "Flag": "N"}}``. ``qn`` defaults to the data time."""
    items: list[Mapping[str, object]] = [{"DataTime": when}]
    items += [{f"{code}-{suffix}": value for suffix, value in fields.items()} for code, fields in readings.items()]
    return build_frame(cn=cn, mn=mn, cp=items, st=st, pw=pw, qn=qn if qn is not None else when,
                       flag=FLAG_2017 | (FLAG_ANSWER if answer else 0))


def build_packets(*, cn: str, mn: str, items: Sequence[Mapping[str, object] | str], qn: str | datetime,
                  st: str = "31", pw: str = "123456", answer: bool = False,
                  max_data: int = MAX_DATA) -> list[bytes]:
    """One message split into packets of at most ``max_data`` bytes of data segment (D=1, PNUM/PNO),
    items kept whole; a message that fits in one frame is still sent as one packet of one."""
    flag = FLAG_2017 | FLAG_PACKET | (FLAG_ANSWER if answer else 0)
    texts = [item if isinstance(item, str) else cp_text([item]) for item in items]
    room = max_data - len(data_segment(cn=cn, mn=mn, cp="", st=st, pw=pw, qn=qn, flag=flag, pnum=9999,
                                       pno=9999).encode("utf-8"))
    groups: list[list[str]] = [[]]
    for text in texts:
        size = len(text.encode("utf-8"))
        if size > room:
            raise ValueError(f"CP item of {size} bytes does not fit in a packet of {max_data}")
        used = len(";".join(groups[-1]).encode("utf-8"))
        if groups[-1] and used + 1 + size > room:
            groups.append([])
        groups[-1].append(text)
    return [build_frame(cn=cn, mn=mn, cp=";".join(group), st=st, pw=pw, qn=qn, flag=flag, pnum=len(groups),
                        pno=number) for number, group in enumerate(groups, start=1)]


def reply_9014(frame: Frame) -> bytes:
    """The data reply (CN=9014) to a frame whose Flag asks for an answer: same QN, PW and MN."""
    return build_frame(cn=CN_DATA_REPLY, mn=frame.mn, st=ST_REPLY, pw=frame.pw, qn=frame.qn, flag=FLAG_2017)


# -- finding frames in a byte stream ---------------------------------------------------------------

_START = re.compile(rb"##[0-9]{4}")


@dataclass(frozen=True)
class Chunk:
    """A piece of the stream: a candidate ``frame`` (``##`` to its line end) or skipped ``garbage``."""

    kind: str  # "frame" | "garbage"
    data: bytes
    offset: int  # of its first byte in the whole stream
    note: str = ""


class FrameSplitter:
    """Cuts a byte stream into frame candidates, whatever the sizes of the pieces it is fed.

    A candidate runs from ``##`` to the first CR LF (``strict_crlf=False``:
    the first LF). Bytes before a ``##`` are garbage; so is a candidate cut
    short by a new ``##dddd`` before its line end, and anything that reaches
    :data:`MAX_FRAME` bytes without a line end. An incomplete candidate is kept
    until more bytes arrive; :meth:`close` hands back what is left at the end.
    Candidates are not validated here: pass them to :func:`parse_frame`.
    """

    def __init__(self, *, strict_crlf: bool = True, max_frame: int = MAX_FRAME) -> None:
        self.strict_crlf = strict_crlf
        self.max_frame = max_frame
        self._buffer = bytearray()
        self._offset = 0  # stream offset of the buffer's first byte

    @property
    def pending(self) -> int:
        """Bytes held back: the start of a frame not complete yet."""
        return len(self._buffer)

    def _take(self, count: int, kind: str, note: str = "") -> Chunk:
        chunk = Chunk(kind, bytes(self._buffer[:count]), self._offset, note)
        del self._buffer[:count]
        self._offset += count
        return chunk

    def feed(self, data: bytes) -> list[Chunk]:
        self._buffer += data
        chunks: list[Chunk] = []
        terminator = CRLF if self.strict_crlf else b"\n"
        while self._buffer:
            start = self._buffer.find(HEADER)
            if start < 0:
                keep = 1 if self._buffer.endswith(b"#") else 0
                if len(self._buffer) > keep:
                    chunks.append(self._take(len(self._buffer) - keep, "garbage", "no frame header '##'"))
                break
            if start > 0:
                chunks.append(self._take(start, "garbage", "bytes before a frame header '##'"))
                continue
            end = self._buffer.find(terminator, len(HEADER))
            limit = end if end >= 0 else len(self._buffer)
            restart = _START.search(self._buffer, len(HEADER), limit)
            if restart is not None and restart.start() < limit:
                chunks.append(self._take(restart.start(), "garbage",
                                         "a frame cut short: a new frame starts before its line end"))
                continue
            if end >= 0:
                chunks.append(self._take(end + len(terminator), "frame"))
                continue
            if len(self._buffer) >= self.max_frame:
                chunks.append(self._take(len(self._buffer), "garbage",
                                         f"no line end within {self.max_frame} bytes of a frame header"))
            break
        return chunks

    def close(self) -> Chunk | None:
        """End of stream: the incomplete frame (as garbage) or ``None``."""
        if not self._buffer:
            return None
        return self._take(len(self._buffer), "garbage", "the stream ended in the middle of a frame")


# -- split messages --------------------------------------------------------------------------------


@dataclass
class _Pending:
    pnum: int
    packets: dict[int, Frame] = field(default_factory=dict)


class Reassembler:
    """Joins the packets of split messages (same MN, QN and CN; PNO 1..PNUM) into one message.

    :meth:`add` returns the whole message once its last packet is in (a frame
    that is not split is returned as it is), ``None`` while packets are
    missing; a repeated packet replaces the earlier copy. A joined message
    is checked with :func:`check_message` and may raise :class:`FrameError`.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str | None, str], _Pending] = {}

    def add(self, frame: Frame) -> Frame | None:
        if not frame.is_packet:
            return frame
        key = (frame.mn, frame.qn, frame.cn)
        assert frame.pnum is not None and frame.pno is not None
        pending = self._pending.get(key)
        if pending is None or pending.pnum != frame.pnum:
            pending = self._pending[key] = _Pending(frame.pnum)
        pending.packets[frame.pno] = frame
        if len(pending.packets) < pending.pnum:
            return None
        del self._pending[key]
        packets = [pending.packets[number] for number in range(1, pending.pnum + 1)]
        joined = replace(packets[0], flag=packets[0].flag & ~FLAG_PACKET, pnum=None, pno=None,
                         items=tuple(item for packet in packets for item in packet.items),
                         raw=b"".join(packet.raw for packet in packets),
                         data="".join(packet.data for packet in packets))
        check_message(joined)
        return joined

    def incomplete(self) -> list[str]:
        """A description of each message still missing packets."""
        return [f"MN={mn} QN={qn} CN={cn}: packets {sorted(p.packets)} of {p.pnum}"
                for (mn, qn, cn), p in self._pending.items()]

    def discard(self) -> list[str]:
        """Forget the incomplete messages; returns their descriptions."""
        gone = self.incomplete()
        self._pending.clear()
        return gone
