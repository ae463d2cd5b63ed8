"""HJ 212-2017 frames: the CRC, parsing and every refusal, the builder, the stream splitter, split packets."""

from __future__ import annotations

from datetime import datetime

import pytest

from client.monitoring import hj212
from client.monitoring.hj212 import (
    FLAG_2017, FLAG_ANSWER, FLAG_PACKET, MAX_FRAME, FrameError, FrameSplitter, Reassembler, build_frame,
    build_packets, crc16, data_frame, encode_frame, parse_frame, reply_9014,
)

# Annex A of the standard (its prose says 1C08 by typo; 1C80 is the CRC of this data segment)
ANNEX_A = (b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
           b"CP=&&RtdInterval=30&&1C80\r\n")
# Real hourly air data from a device (IceCoffee.HJ212 README)
HOURLY_AIR = (b"##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;"
              b"CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;"
              b"a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,"
              b"a34049-Flag=N&&C181\r\n")
MN = "88888880000001"
HOUR = datetime(2026, 5, 1, 10)


def hourly(**fields: str) -> bytes:
    readings = {"a21026": {"Avg": "12.5", "Flag": "N"}, "a00000": {"Avg": "10", "Flag": "N"}}
    for key, value in fields.items():
        code, suffix = key.split("_")
        readings.setdefault(code, {})[suffix] = value
    return data_frame("2061", MN, HOUR, readings)


def refusal(raw: bytes, **kwargs: bool) -> FrameError:
    with pytest.raises(FrameError) as caught:
        parse_frame(raw, **kwargs)
    return caught.value


def reframe(data: bytes, length: int | None = None, crc: str | None = None, end: bytes = b"\r\n") -> bytes:
    """A frame around ``data`` with a chosen length or CRC (default: the right ones)."""
    declared = len(data) if length is None else length
    return b"##" + f"{declared:04d}".encode() + data + (crc or hj212.crc_text(data)).encode() + end


class TestCrc:
    def test_the_standards_check_value_is_2f80_not_the_modbus_4b37(self):
        assert crc16(b"123456789") == 0x2F80
        assert crc16(b"123456789") != 0x4B37

    def test_the_annex_a_frame_ends_with_1c80(self):
        data = ANNEX_A[6:-6]
        assert hj212.crc_text(data) == "1C80"

    def test_the_empty_data_segment_keeps_the_initial_register(self):
        assert crc16(b"") == 0xFFFF


class TestKnownGoodFrames:
    def test_annex_a_parses_with_every_header_field(self):
        frame = parse_frame(ANNEX_A)
        assert (frame.qn, frame.st, frame.cn, frame.pw, frame.mn, frame.flag) == (
            "20160801085857223", "32", "1062", "100000", "010000A8900016F000169DC0", 5)
        assert frame.answer_required and not frame.is_packet and frame.version == 1
        assert frame.items == ((("RtdInterval", "30"),),)
        assert frame.raw == ANNEX_A

    def test_real_hourly_air_data_parses_with_its_readings(self):
        frame = parse_frame(HOURLY_AIR)
        assert frame.cn == "2061" and frame.data_time == datetime(2019, 9, 24, 22)
        assert list(frame.readings) == ["a34006", "a34007", "a34048", "a34047", "a34049"]
        reading = frame.readings["a34049"]
        assert str(reading.number("Avg")) == "10.66300" and reading.flag == "N" and reading.valid

    def test_a_lower_case_crc_is_accepted(self):
        lower = HOURLY_AIR.replace(b"&&C181", b"&&c181")
        assert parse_frame(lower).cn == "2061"

    def test_a_chinese_text_field_in_utf8_counts_bytes(self):
        raw = build_frame(cn="2021", mn=MN, qn="20260501100000000", cp=[{"i12001-Info": "正常"}])
        frame = parse_frame(raw)
        assert frame.readings["i12001"].fields["Info"] == "正常"
        assert int(raw[2:6]) == len(frame.data.encode("utf-8")) > len(frame.data)


class TestKnownBadFrames:
    def test_declared_length_112_for_a_92_character_data_segment_is_refused_naming_both(self):
        data = b"QN=20260501100000000;ST=31;CN=2061;PW=123456;MN=888888;Flag=4;CP=&&DataTime=20260501100000&&"
        assert len(data) == 92
        error = refusal(reframe(data, length=112))
        assert (error.check, error.field) == ("length", "length")
        assert str(error) == "length: declared length 112 but data segment has 92 characters"

    def test_a_wrong_crc_is_refused_with_both_values(self):
        error = refusal(HOURLY_AIR.replace(b"&&C181", b"&&C182"))
        assert error.check == "crc"
        assert str(error) == "crc: CRC C182 does not match the data segment (its CRC is C181)"

    def test_the_modbus_crc_is_refused(self):
        data = ANNEX_A[6:-6]
        register = 0xFFFF
        for byte in data:
            register ^= byte
            for _ in range(8):
                register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
        assert refusal(reframe(data, crc=f"{register:04X}")).check == "crc"

    def test_one_changed_byte_in_the_data_fails_the_crc(self):
        assert refusal(HOURLY_AIR.replace(b"a34006-Avg=2.697", b"a34006-Avg=2.698")).check == "crc"

    @pytest.mark.parametrize("raw, check, words", [
        (b"#0101" + ANNEX_A[5:], "framing", "starts with '##'"),
        (ANNEX_A[:-2], "framing", "ends with CR LF"),
        (ANNEX_A[:-2] + b"\n", "framing", "ends with CR LF"),
        (b"##01a1" + ANNEX_A[6:], "framing", "is not 4 decimal digits"),
        (b"##12\r\n", "framing", "too short"),
        (ANNEX_A.replace(b"1C80", b"1G80"), "crc", "not 4 hex digits"),
    ])
    def test_framing_errors_name_the_check(self, raw, check, words):
        error = refusal(raw)
        assert error.check == check and words in str(error)

    def test_a_declared_length_over_1024_is_refused(self):
        data = b"ST=31;CN=2021;PW=1;MN=1;Flag=4;CP=&&" + b"a" * 1000 + b"&&"
        assert "exceeds the maximum of 1024" in str(refusal(reframe(data, length=2000)))

    def test_non_utf8_bytes_in_the_data_segment_are_refused_with_their_offset(self):
        data = b"QN=20260501100000000;ST=31;CN=2021;PW=123456;MN=8888888;Flag=4;CP=&&i12001-Info=\xff\xfe&&"
        error = refusal(reframe(data))
        assert error.check == "encoding" and "byte 0xff at offset 80" in str(error)

    def test_control_characters_in_the_data_segment_are_refused(self):
        data = b"ST=31;CN=2021;PW=123456;MN=8888888;Flag=4;CP=&&i12001-Info=a\x07b&&"
        assert refusal(reframe(data)).check == "encoding"


class TestFields:
    def refused(self, data: str) -> FrameError:
        return refusal(encode_frame(data))

    def test_a_frame_without_cp_is_refused(self):
        error = self.refused("QN=20260501100000000;ST=31;CN=2061;PW=1;MN=1;Flag=4")
        assert (error.check, error.field) == ("cp", "CP")

    def test_cp_must_end_the_data_segment(self):
        assert "CP must end the data segment" in str(self.refused("ST=31;CN=2021;PW=1;MN=1;Flag=4;CP=&&a=1"))

    @pytest.mark.parametrize("missing", ["ST", "CN", "PW", "MN"])
    def test_a_required_header_field_missing_is_named(self, missing):
        fields = {"QN": "20260501100000000", "ST": "31", "CN": "2061", "PW": "123456", "MN": MN, "Flag": "4"}
        del fields[missing]
        data = ";".join(f"{k}={v}" for k, v in fields.items()) + ";CP=&&DataTime=20260501100000&&"
        error = self.refused(data)
        assert (error.check, error.field) == ("header", missing) and "missing" in str(error)

    def test_data_messages_need_a_qn(self):
        error = self.refused(f"ST=31;CN=2061;PW=1;MN={MN};Flag=4;CP=&&DataTime=20260501100000&&")
        assert error.field == "QN"

    def test_an_unknown_header_field_is_refused(self):
        error = self.refused(f"ST=32;CN=5015;PW=123456;MN={MN};AL=;CP=&&DataTime=&&")
        assert (error.check, error.field) == ("header", "AL")

    def test_a_header_field_given_twice_is_refused(self):
        assert "appears twice" in str(self.refused(f"ST=31;ST=31;CN=2021;PW=1;MN={MN};Flag=4;CP=&&&&"))

    @pytest.mark.parametrize("field, value, words", [
        ("ST", "3", "2-digit system code"),
        ("CN", "20611", "4-digit command code"),
        ("MN", "x" * 25, "1 to 24"),
        ("QN", "2026050110000000", "YYYYMMDDhhmmsszzz"),
        ("QN", "20260231100000000", "not a real date"),
        ("Flag", "256", "from 0 to 255"),
        ("Flag", "A", "from 0 to 255"),
    ])
    def test_bad_header_values_are_refused_naming_the_field(self, field, value, words):
        fields = {"QN": "20260501100000000", "ST": "31", "CN": "2061", "PW": "123456", "MN": MN, "Flag": "4"}
        fields[field] = value
        data = ";".join(f"{k}={v}" for k, v in fields.items()) + ";CP=&&DataTime=20260501100000&&"
        error = self.refused(data)
        assert error.field == field and words in str(error)

    def test_a_frame_without_flag_is_tolerated_as_flag_0(self):
        frame = parse_frame(encode_frame(f"QN=20260501100000000;ST=31;CN=2061;PW=1;MN={MN};"
                                         f"CP=&&DataTime=20260501100000;a21026-Avg=1&&"))
        assert frame.flag == 0 and not frame.answer_required

    def test_an_empty_item_before_the_closing_ampersands_is_tolerated(self):
        frame = parse_frame(encode_frame(f"QN=20260501100000000;ST=31;CN=2061;PW=1;MN={MN};Flag=4;"
                                         f"CP=&&DataTime=20260501100000;a21026-Avg=1,a21026-Flag=N;&&"))
        assert list(frame.readings) == ["a21026"]


class TestFactorsAndValues:
    @pytest.mark.parametrize("name", ["02-Rtd", "A21026-Avg", "a2102-Avg", "a210261-Avg", "SO2-Avg", "LA-Rtd"])
    def test_an_unknown_factor_code_is_refused_naming_the_field(self, name):
        raw = build_frame(cn="2061", mn=MN, qn=HOUR, cp=[{"DataTime": HOUR}, {name: "1"}])
        error = refusal(raw)
        assert (error.check, error.field) == ("factor", name)
        assert "is not an HJ 212-2017 factor code" in str(error)

    def test_a_well_formed_factor_outside_the_catalogue_is_kept(self):
        frame = parse_frame(hourly(a99999_Avg="1.5"))
        assert "a99999" in frame.readings and "a99999" not in hj212.FACTORS

    def test_an_unknown_suffix_is_refused(self):
        error = refusal(hourly(a21026_Foo="1"))
        assert (error.check, error.field) == ("factor", "a21026-Foo")

    @pytest.mark.parametrize("value", ["1e3", "1_000", "abc", "1.", ".5", "+3"])
    def test_a_value_that_is_not_a_plain_decimal_is_refused(self, value):
        error = refusal(hourly(a21026_Max=value))
        assert (error.check, error.field) == ("value", "a21026-Max")

    def test_negative_values_are_numbers(self):
        assert parse_frame(hourly(a01001_Avg="-3.5")).readings["a01001"].number("Avg") == -3.5

    @pytest.mark.parametrize("flag", list("NFMSDCTB"))
    def test_every_data_flag_of_the_standard_is_accepted(self, flag):
        reading = parse_frame(hourly(a21026_Flag=flag)).readings["a21026"]
        assert reading.flag == flag
        assert reading.valid is (flag in "NS")

    @pytest.mark.parametrize("flag", ["X", "n", "NN", ""])
    def test_an_unknown_data_flag_is_refused(self, flag):
        error = refusal(hourly(a21026_Flag=flag))
        assert (error.check, error.field) == ("value", "a21026-Flag")

    def test_a_reading_without_a_flag_counts_as_normal(self):
        raw = data_frame("2061", MN, HOUR, {"a21026": {"Avg": "1"}})
        assert parse_frame(raw).readings["a21026"].valid

    def test_a_field_given_twice_is_refused(self):
        raw = build_frame(cn="2061", mn=MN, qn=HOUR, cp="DataTime=20260501100000;a21026-Avg=1;a21026-Avg=2")
        assert "appears twice" in str(refusal(raw))

    def test_a_field_without_equals_is_refused(self):
        raw = build_frame(cn="2061", mn=MN, qn=HOUR, cp="DataTime=20260501100000;a21026-Avg")
        assert refusal(raw).check == "cp"


class TestDataTime:
    @pytest.mark.parametrize("cn, moment, unit", [
        ("2061", datetime(2026, 5, 1, 10, 30), "hour"),
        ("2031", datetime(2026, 5, 1, 1), "day"),
        ("2051", datetime(2026, 5, 1, 10, 10, 5), "minute"),
    ])
    def test_a_period_message_must_start_its_period(self, cn, moment, unit):
        error = refusal(data_frame(cn, MN, moment, {"a21026": {"Avg": "1"}}))
        assert error.check == "time" and f"not the start of a {unit}" in str(error)

    def test_real_time_data_may_be_at_any_second(self):
        frame = parse_frame(data_frame("2011", MN, datetime(2026, 5, 1, 10, 10, 5), {"a21026": {"Rtd": "1"}}))
        assert frame.data_time == datetime(2026, 5, 1, 10, 10, 5)

    def test_a_data_message_without_datatime_is_refused(self):
        raw = build_frame(cn="2061", mn=MN, qn=HOUR, cp=[{"a21026-Avg": "1"}])
        assert "needs one DataTime, this message has 0" in str(refusal(raw))

    def test_an_impossible_datatime_is_refused(self):
        raw = build_frame(cn="2061", mn=MN, qn=HOUR, cp="DataTime=20260230100000;a21026-Avg=1")
        error = refusal(raw)
        assert (error.check, error.field) == ("time", "DataTime")


class TestFlags:
    def test_flag_4_is_the_2017_version_without_answer(self):
        frame = parse_frame(data_frame("2061", MN, HOUR, {"a21026": {"Avg": "1"}}))
        assert frame.flag == FLAG_2017 == 4 and frame.version == 1 and not frame.answer_required

    def test_flag_5_asks_for_an_answer(self):
        assert parse_frame(data_frame("2061", MN, HOUR, {"a21026": {"Avg": "1"}}, answer=True)).answer_required

    @pytest.mark.parametrize("flag, answer", [(0, False), (1, True), (8, False), (9, True)])
    def test_flags_seen_in_the_field_are_tolerated(self, flag, answer):
        frame = parse_frame(build_frame(cn="2061", mn=MN, qn=HOUR, flag=flag, cp=[{"DataTime": HOUR}]))
        assert frame.answer_required is answer and not frame.is_packet

    def test_d_set_without_pnum_and_pno_is_refused(self):
        error = refusal(build_frame(cn="2061", mn=MN, qn=HOUR, flag=FLAG_2017 | FLAG_PACKET, cp=[{"DataTime": HOUR}]))
        assert (error.check, error.field) == ("packet", "PNUM")

    def test_pnum_without_d_is_refused(self):
        error = refusal(build_frame(cn="2061", mn=MN, qn=HOUR, flag=FLAG_2017, pnum=2, pno=1, cp=[{"DataTime": HOUR}]))
        assert (error.check, error.field) == ("packet", "PNUM")

    def test_pno_above_pnum_is_refused(self):
        error = refusal(build_frame(cn="2061", mn=MN, qn=HOUR, flag=FLAG_2017 | FLAG_PACKET, pnum=2, pno=3,
                                    cp=[{"DataTime": HOUR}]))
        assert str(error) == "packet: PNO=3 exceeds PNUM=2"

    def test_pno_zero_is_refused(self):
        error = refusal(build_frame(cn="2061", mn=MN, qn=HOUR, flag=FLAG_2017 | FLAG_PACKET, pnum=2, pno=0,
                                    cp=[{"DataTime": HOUR}]))
        assert error.field == "PNO"


class TestBuilderAndReply:
    def test_built_frames_parse_back_to_what_was_built(self):
        raw = data_frame("2061", MN, HOUR, {"a21026": {"Avg": "12.345", "Flag": "N"}}, qn="20260501110005123",
                         answer=True)
        frame = parse_frame(raw)
        assert frame.qn == "20260501110005123" and frame.flag == FLAG_2017 | FLAG_ANSWER
        assert frame.readings["a21026"].fields == {"Avg": "12.345", "Flag": "N"}

    def test_the_builder_refuses_floats(self):
        with pytest.raises(TypeError):
            data_frame("2061", MN, HOUR, {"a21026": {"Avg": 12.5}})

    def test_the_builder_refuses_a_data_segment_over_1024_bytes(self):
        with pytest.raises(ValueError, match="exceeds the maximum"):
            build_frame(cn="2011", mn=MN, cp="x=" + "1" * 1100)

    def test_the_9014_reply_echoes_qn_pw_and_mn(self):
        reply = parse_frame(reply_9014(parse_frame(ANNEX_A)))
        assert (reply.qn, reply.st, reply.cn, reply.pw, reply.mn, reply.flag) == (
            "20160801085857223", "91", "9014", "100000", "010000A8900016F000169DC0", 4)
        assert reply.items == () and not reply.answer_required


def packets(parts: int = 3) -> list[bytes]:
    items = [{"DataTime": HOUR}] + [{f"a{21000 + i:05d}-Avg": f"{i}.125", f"a{21000 + i:05d}-Flag": "N"}
                                     for i in range(60)]
    built = build_packets(cn="2061", mn=MN, items=items, qn="20260501110000000", max_data=1024 // parts + 200)
    return built


class TestSplitPackets:
    def test_a_long_message_is_split_into_numbered_packets_each_with_its_own_crc(self):
        built = packets()
        frames = [parse_frame(raw) for raw in built]
        assert len(frames) >= 3
        assert [f.pno for f in frames] == list(range(1, len(frames) + 1))
        assert {f.pnum for f in frames} == {len(frames)} and all(f.flag & FLAG_PACKET for f in frames)
        assert all(len(raw) <= MAX_FRAME for raw in built)

    def test_packets_in_any_order_join_into_one_message(self):
        frames = [parse_frame(raw) for raw in packets()]
        joiner = Reassembler()
        results = [joiner.add(frame) for frame in reversed(frames)]
        assert results[:-1] == [None] * (len(frames) - 1)
        message = results[-1]
        assert message is not None and not message.is_packet and message.pnum is None
        assert len(message.readings) == 60 and message.data_time == HOUR
        assert message.raw == b"".join(packets())  # in packet order, whatever the order of arrival
        assert joiner.incomplete() == []

    def test_a_repeated_packet_replaces_the_earlier_copy(self):
        frames = [parse_frame(raw) for raw in packets()]
        joiner = Reassembler()
        assert joiner.add(frames[0]) is None and joiner.add(frames[0]) is None
        for frame in frames[1:-1]:
            assert joiner.add(frame) is None
        assert joiner.add(frames[-1]) is not None

    def test_missing_packets_are_described_and_can_be_discarded(self):
        frames = [parse_frame(raw) for raw in packets()]
        joiner = Reassembler()
        joiner.add(frames[0])
        [description] = joiner.discard()
        assert f"MN={MN}" in description and f"packets [1] of {len(frames)}" in description
        assert joiner.incomplete() == []

    def test_a_frame_that_is_not_split_passes_straight_through(self):
        frame = parse_frame(ANNEX_A)
        assert Reassembler().add(frame) is frame

    def test_a_joined_message_without_datatime_is_refused(self):
        built = build_packets(cn="2061", mn=MN, items=[{"a21026-Avg": "1"}, {"a21002-Avg": "2"}],
                              qn="20260501110000000", max_data=120)
        joiner = Reassembler()
        frames = [parse_frame(raw) for raw in built]
        for frame in frames[:-1]:
            joiner.add(frame)
        with pytest.raises(FrameError, match="needs one DataTime"):
            joiner.add(frames[-1])


class TestSplitter:
    def stream(self) -> list[bytes]:
        return [data_frame("2061", MN, datetime(2026, 5, 1, h), {"a21026": {"Avg": f"{h}.5", "Flag": "N"}})
                for h in range(3)]

    def test_frames_fed_one_byte_at_a_time_come_out_whole(self):
        frames = self.stream()
        splitter = FrameSplitter()
        chunks = [chunk for byte in b"".join(frames) for chunk in splitter.feed(bytes([byte]))]
        assert [c.kind for c in chunks] == ["frame"] * 3
        assert [c.data for c in chunks] == frames
        assert splitter.pending == 0 and splitter.close() is None

    def test_a_partial_frame_is_kept_until_it_is_complete(self):
        frame = self.stream()[0]
        splitter = FrameSplitter()
        assert splitter.feed(frame[:50]) == [] and splitter.pending == 50
        [chunk] = splitter.feed(frame[50:])
        assert chunk.data == frame and chunk.offset == 0

    def test_garbage_between_frames_is_skipped_and_reported_with_its_offset(self):
        first, second, third = self.stream()
        noise = b"\xff\xfe\x00garbage\xe4\xbd\xa0"
        stream = first + noise + second + b"\r\n" + third
        chunks = FrameSplitter().feed(stream)
        assert [c.kind for c in chunks] == ["frame", "garbage", "frame", "garbage", "frame"]
        assert chunks[1].data == noise and chunks[1].offset == len(first)
        assert [c.data for c in chunks if c.kind == "frame"] == [first, second, third]

    def test_a_frame_cut_short_by_a_new_frame_is_garbage_and_the_next_frame_survives(self):
        first, second, _ = self.stream()
        chunks = FrameSplitter().feed(first[:40] + second)
        assert [c.kind for c in chunks] == ["garbage", "frame"]
        assert "cut short" in chunks[0].note and chunks[1].data == second

    def test_a_header_without_a_line_end_within_the_maximum_is_dropped(self):
        splitter = FrameSplitter()
        chunks = splitter.feed(b"##0100" + b"x" * MAX_FRAME)
        assert [c.kind for c in chunks] == ["garbage"] and "no line end" in chunks[0].note
        frame = self.stream()[0]
        assert [c.data for c in splitter.feed(frame)] == [frame]

    def test_a_lone_hash_at_the_end_is_kept_in_case_it_starts_a_header(self):
        frame = self.stream()[0]
        splitter = FrameSplitter()
        assert [c.kind for c in splitter.feed(b"noise#")] == ["garbage"]
        chunks = splitter.feed(frame[1:])
        assert [c.data for c in chunks] == [frame]

    def test_the_end_of_the_stream_hands_back_the_incomplete_frame(self):
        splitter = FrameSplitter()
        splitter.feed(self.stream()[0][:30])
        tail = splitter.close()
        assert tail is not None and tail.kind == "garbage" and len(tail.data) == 30
        assert "ended in the middle of a frame" in tail.note

    def test_a_cr_and_lf_in_separate_pieces_end_the_frame(self):
        frame = self.stream()[0]
        splitter = FrameSplitter()
        assert splitter.feed(frame[:-1]) == []
        assert [c.data for c in splitter.feed(frame[-1:])] == [frame]

    def test_lenient_line_ends_cut_at_a_bare_lf_and_the_parser_accepts_it(self):
        frame = self.stream()[0][:-2] + b"\n"
        [chunk] = FrameSplitter(strict_crlf=False).feed(frame)
        assert parse_frame(chunk.data, strict_crlf=False).cn == "2061"
        assert refusal(chunk.data).check == "framing"

    def test_a_wrong_length_is_cut_at_the_line_end_and_then_refused_by_the_parser(self):
        data = b"QN=20260501100000000;ST=31;CN=2061;PW=123456;MN=8888888;Flag=4;CP=&&DataTime=20260501100000&&"
        bad = reframe(data, length=112)
        good = self.stream()[0]
        chunks = FrameSplitter().feed(bad + good)
        assert [c.data for c in chunks] == [bad, good]
        assert refusal(chunks[0].data).check == "length"
