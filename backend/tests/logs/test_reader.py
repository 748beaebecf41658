"""The follower across the ways log files change under it."""

import os
from pathlib import Path

from delta_strangle.logs.reader import FileFollower
from delta_strangle.logs.schema import FLAG_CAPPED, FLAG_UNTERMINATED


def lines(follower: FileFollower) -> list[bytes]:
    return [line.raw for line in follower.poll()]


def test_missing_file_yields_nothing_until_created(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    follower = FileFollower(log)
    assert lines(follower) == []
    log.write_text("a\n")
    assert lines(follower) == [b"a"]


def test_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("a\nb")
    follower = FileFollower(log)
    assert lines(follower) == [b"a"]
    with log.open("a") as handle:
        handle.write("c\n")
    assert lines(follower) == [b"bc"]


def test_rotation_drains_the_old_file_before_the_new(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("old-1\n")
    follower = FileFollower(log)
    assert lines(follower) == [b"old-1"]
    with log.open("a") as handle:
        handle.write("old-2\n")
    log.rename(tmp_path / "backend.log.1")
    log.write_text("new-1\n")
    assert lines(follower) == [b"old-2", b"new-1"]
    assert follower.stats.rotations == 1


def test_unterminated_tail_of_a_rotated_file_is_kept_and_flagged(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("a\nhalf")
    follower = FileFollower(log)
    lines(follower)
    log.rename(tmp_path / "backend.log.1")
    log.write_text("b\n")
    got = list(follower.poll())
    assert [(line.raw, line.flags) for line in got] == [(b"half", FLAG_UNTERMINATED), (b"b", 0)]


def test_truncation_restarts_from_the_beginning(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("first line\nsecond line\n")
    follower = FileFollower(log)
    lines(follower)
    os.truncate(log, 0)
    with log.open("a") as handle:
        handle.write("after\n")
    assert lines(follower) == [b"after"]
    assert follower.stats.truncations == 1


def test_copytruncate_that_regrows_past_the_offset_is_detected_by_fingerprint(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("aaaa\n")
    follower = FileFollower(log)
    lines(follower)
    (tmp_path / "backend.log.1").write_bytes(log.read_bytes())
    os.truncate(log, 0)
    with log.open("a") as handle:
        handle.write("bbbbbbbbbbbb\n")  # longer than the old offset: size alone would miss it
    assert lines(follower) == [b"bbbbbbbbbbbb"]


def test_deleted_file_is_drained_then_recreated_file_followed(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_text("a\n")
    follower = FileFollower(log)
    lines(follower)
    with log.open("a") as handle:
        handle.write("written before delete\n")
    log.unlink()
    assert lines(follower) == [b"written before delete"]
    log.write_text("fresh\n")
    assert lines(follower) == [b"fresh"]


def test_over_long_line_is_capped_and_its_rest_skipped(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_bytes(b"x" * 100 + b"\nshort\n")
    got = list(FileFollower(log, max_line_bytes=10, chunk_size=16).poll())
    assert [(line.raw, line.flags) for line in got] == [(b"x" * 10, FLAG_CAPPED), (b"short", 0)]


def test_memory_stays_bounded_for_a_line_longer_than_a_chunk(tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    log.write_bytes(b"y" * 10_000)  # no newline yet
    follower = FileFollower(log, max_line_bytes=64, chunk_size=128)
    got = list(follower.poll())
    assert [line.flags for line in got] == [FLAG_CAPPED]
    assert len(follower.buffer) <= 64
    assert follower.skipping
