"""The data logger server on real sockets (127.0.0.1, any free port) against a fake submitter.

Every test runs its own event loop with a deadline, so a hang fails instead of blocking the suite.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import pytest

from client.monitoring.hj212 import FrameSplitter, build_frame, build_packets, data_frame, parse_frame
from client.monitoring.listener import Listener, stop_on_signals
from client.monitoring.reports import Batch

MN = "BJLOGGER00000000000001"
DAY = datetime(2026, 5, 1)
DEADLINE = 20.0


def hourly(h: int, so2: str = "30.5", answer: bool = True, mn: str = MN) -> bytes:
    return data_frame("2061", mn, DAY + timedelta(hours=h), {"a21026": {"Avg": so2, "Flag": "N"},
                                                           "a00000": {"Avg": "12.5", "Flag": "N"}}, answer=answer)


def daily(answer: bool = True) -> bytes:
    return data_frame("2031", MN, DAY, {"a21026": {"Avg": "31", "Flag": "N"}}, answer=answer)


class FakeSubmitter:
    """Records each batch (called in a worker thread); can fail or be slow on demand."""

    def __init__(self, fail: bool = False, delay: float = 0.0) -> None:
        self.batches: list[Batch] = []
        self.fail = fail
        self.delay = delay
        self.threads: set[str] = set()
        self.done = threading.Event()

    def __call__(self, batch: Batch) -> dict[str, Any]:
        self.threads.add(threading.current_thread().name)
        if self.delay:
            threading.Event().wait(self.delay)
        if self.fail:
            raise RuntimeError(f"refused {batch.mn}")
        self.batches.append(batch)
        self.done.set()
        return {"report": f"R-{len(self.batches)}"}


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(scenario(), DEADLINE)

    return asyncio.run(bounded())


async def started(submitter: FakeSubmitter, **options: Any) -> tuple[Listener, int, list[str]]:
    lines: list[str] = []
    results: list[tuple[Batch, Any]] = []
    listener = Listener(submitter, log=lines.append, on_submitted=lambda b, r: results.append((b, r)), **options)
    _, port = await listener.start("127.0.0.1", 0)
    listener.results = results  # type: ignore[attr-defined]
    return listener, port, lines


async def send(port: int, payload: bytes, replies: int = 0, close: bool = True) -> list[bytes]:
    """Connect, send ``payload``, read ``replies`` frames back; close unless told not to."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    splitter = FrameSplitter()
    got: list[bytes] = []
    while len(got) < replies:
        data = await asyncio.wait_for(reader.read(4096), 5.0)
        if not data:
            break
        got += [chunk.data for chunk in splitter.feed(data) if chunk.kind == "frame"]
    if close:
        writer.close()
        await writer.wait_closed()
    return got


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_a_day_of_hourly_frames_is_answered_frame_by_frame_and_reported_when_the_daily_frame_arrives():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, lines = await started(submitter)
        frames = [hourly(h) for h in range(24)] + [daily()]
        replies = await send(port, b"".join(frames), replies=25)
        assert len(replies) == 25
        for frame, reply in zip(frames, replies):
            answer = parse_frame(reply)
            assert (answer.cn, answer.st, answer.qn, answer.mn) == ("9014", "91", parse_frame(frame).qn, MN)
        await until(lambda: len(submitter.batches) == 1)
        [batch] = submitter.batches
        assert (batch.mn, batch.period, len(batch.messages)) == (MN, "2026-05-01", 25)
        assert bytes(batch.raw) == b"".join(frames)
        assert listener.results[0][1] == {"report": "R-1"}  # type: ignore[attr-defined]
        stats = await listener.stop()
        assert (stats.frames, stats.replies, stats.refused, stats.submitted) == (25, 25, 0, 1)
        assert stats.reasons == {"day complete": 1}
        assert any("connected" in line for line in lines)
        assert any("closed by the client: 25 frame(s), 0 refused, 0 byte(s) skipped" in line for line in lines)

    run(scenario)
    assert all(name != threading.current_thread().name for name in submitter.threads)  # off the event loop


def test_garbage_and_bad_frames_are_logged_skipped_and_not_answered_while_good_frames_are():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, lines = await started(submitter)
        bad_crc = hourly(1).replace(b"Avg=30.5", b"Avg=31.5")
        unknown_factor = build_frame(cn="2061", mn=MN, qn="20260501020000000", flag=5,
                                     cp=[{"DataTime": DAY + timedelta(hours=2)}, {"SO2-Avg": "30.5"}])
        payload = b"\xff\xfe\x00garbage" + hourly(0) + bad_crc + b"\r\n" + unknown_factor + hourly(3)
        replies = await send(port, payload, replies=2)
        assert [parse_frame(r).qn for r in replies] == [parse_frame(hourly(0)).qn, parse_frame(hourly(3)).qn]
        stats = await listener.stop()
        assert (stats.frames, stats.refused, stats.replies) == (4, 2, 2)
        assert stats.skipped_bytes == 10 + 2
        assert sum("refused frame" in line and "crc:" in line for line in lines) == 1
        assert sum("refused frame" in line and "factor:" in line for line in lines) == 1
        assert any("skipped 10 byte(s) at 0" in line for line in lines)
        [batch] = submitter.batches
        assert [m.data_time.hour for m in batch.messages] == [0, 3]
        assert stats.reasons == {"shutdown": 1}

    run(scenario)


def test_a_client_that_disconnects_mid_frame_loses_only_that_frame_and_the_server_carries_on():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, lines = await started(submitter)
        await send(port, hourly(0) + hourly(1)[:40])
        await until(lambda: any("incomplete frame discarded" in line for line in lines))
        replies = await send(port, hourly(1) + hourly(2), replies=2)
        assert len(replies) == 2
        stats = await listener.stop()
        assert stats.connections == 2 and stats.refused == 0
        [batch] = submitter.batches
        assert [m.data_time.hour for m in batch.messages] == [0, 1, 2]

    run(scenario)


def test_a_frame_arriving_in_pieces_is_answered_once_complete():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, _ = await started(submitter)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        frame = hourly(0)
        for start in range(0, len(frame), 17):
            writer.write(frame[start:start + 17])
            await writer.drain()
            await asyncio.sleep(0.005)
        reply = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5.0)
        assert parse_frame(reply).cn == "9014"
        writer.close()
        await listener.stop()

    run(scenario)


def test_frames_that_ask_for_no_answer_get_none():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, _ = await started(submitter)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(hourly(0, answer=False))
        await writer.drain()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(100), 0.3)
        writer.close()
        stats = await listener.stop()
        assert (stats.frames, stats.replies) == (1, 0)

    run(scenario)


def test_a_later_day_completes_the_previous_one_and_idle_days_are_reported_after_the_idle_time():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, _ = await started(submitter, idle=0.3)
        await send(port, hourly(22) + hourly(23) + hourly(24), replies=3)
        await until(lambda: len(submitter.batches) == 1)
        assert submitter.batches[0].period == "2026-05-01"
        await until(lambda: len(submitter.batches) == 2, timeout=5.0)
        assert submitter.batches[1].period == "2026-05-02"
        stats = await listener.stop()
        assert stats.reasons == {"day complete": 1, "idle": 1}

    run(scenario)


def test_devices_on_separate_connections_get_separate_batches_and_a_device_may_reconnect():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, _ = await started(submitter)
        other = "TJLOGGER00000000000002"
        await asyncio.gather(send(port, hourly(0), replies=1), send(port, hourly(0, mn=other), replies=1))
        await send(port, hourly(1), replies=1)
        await listener.stop()
        assert sorted((b.mn, len(b.messages)) for b in submitter.batches) == [(MN, 2), (other, 1)]

    run(scenario)


def test_split_packets_are_answered_each_and_joined_into_one_message():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, _ = await started(submitter)
        items = [{"DataTime": DAY}, {"a21026-Avg": "10", "a21026-Flag": "N"}, {"a00000-Avg": "12.5"}]
        packets = build_packets(cn="2061", mn=MN, items=items, qn="20260501010000000", answer=True, max_data=140)
        assert len(packets) == 3
        replies = await send(port, b"".join(packets), replies=3)
        assert len(replies) == 3
        stats = await listener.stop()
        assert stats.messages == 1
        [batch] = submitter.batches
        assert set(batch.messages[0].readings) == {"a21026", "a00000"}

    run(scenario)


def test_a_refused_report_is_logged_and_the_server_keeps_serving():
    submitter = FakeSubmitter(fail=True)

    async def scenario() -> None:
        listener, port, lines = await started(submitter)
        await send(port, hourly(0) + daily(), replies=2)
        await until(lambda: listener.stats.failed == 1)
        assert any(f"MN={MN} 2026-05-01: not reported: refused {MN}" in line for line in lines)
        assert len(await send(port, hourly(5), replies=1)) == 1
        stats = await listener.stop()
        assert (stats.submitted, stats.failed) == (0, 2)

    run(scenario)


def test_stopping_waits_for_submissions_in_flight():
    submitter = FakeSubmitter(delay=0.3)

    async def scenario() -> None:
        listener, port, _ = await started(submitter, concurrency=1)
        await send(port, hourly(0) + hourly(0, mn="OTHERDEVICE") + hourly(1), replies=3)
        stats = await listener.stop()
        assert stats.submitted == 2 and len(submitter.batches) == 2

    run(scenario)


def test_connections_beyond_the_maximum_are_closed():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, lines = await started(submitter, max_connections=1)
        first_reader, first_writer = await asyncio.open_connection("127.0.0.1", port)
        await until(lambda: listener.stats.connections == 1)
        second_reader, second_writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(second_reader.read(10), 5.0) == b""
        assert any("already 1 connections" in line for line in lines)
        first_writer.close()
        second_writer.close()
        await listener.stop()

    run(scenario)


def test_stop_closes_open_connections_and_reports_their_days():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener, port, lines = await started(submitter)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(hourly(0))
        await writer.drain()
        await asyncio.wait_for(reader.readuntil(b"\r\n"), 5.0)
        stats = await listener.stop()
        assert await asyncio.wait_for(reader.read(10), 5.0) == b""
        assert stats.submitted == 1 and stats.reasons == {"shutdown": 1}
        assert any("closed by" in line for line in lines)
        writer.close()

    run(scenario)


def test_sigterm_stops_the_server_after_reporting_what_is_open():
    submitter = FakeSubmitter()

    async def scenario() -> None:
        listener = Listener(submitter)
        stop = asyncio.Event()
        undo = stop_on_signals(stop)
        try:
            async def device(host: str, port: int) -> None:
                await send(port, hourly(0), replies=1)
                os.kill(os.getpid(), signal.SIGTERM)

            tasks: list[asyncio.Task[Any]] = []
            stats = await listener.serve("127.0.0.1", 0, stop,
                                         ready=lambda host, port: tasks.append(asyncio.create_task(device(host, port))))
            await asyncio.gather(*tasks)
        finally:
            undo()
        assert stats.submitted == 1 and stats.reasons == {"shutdown": 1}

    run(scenario)
