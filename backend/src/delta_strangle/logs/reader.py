"""Follow one log file across rotation, copytruncate, truncation, deletion and re-creation.

The follower yields complete lines with the byte offset just after each one. It reads in
fixed-size chunks, so memory stays bounded whatever the backlog; a partial last line waits for
its newline; a line longer than `max_line_bytes` is cut, flagged, and the rest of it skipped.

Identity is (device, inode) plus a fingerprint of the file's first bytes, so a re-used inode or
a file replaced behind our back is recognised. Known window: lines written between the last
read and a copytruncate's copy, or to a generation rotated away twice before a poll, are lost
(they live only in the rotated copy).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from delta_strangle.logs.checkpoint import Checkpoint
from delta_strangle.logs.schema import FLAG_CAPPED, FLAG_UNTERMINATED

FINGERPRINT_BYTES = 256


def fingerprint_of(prefix: bytes) -> str:
    """Return the hex digest identifying a file by its first bytes."""
    return hashlib.sha1(prefix, usedforsecurity=False).hexdigest()


@dataclass
class OpenFile:
    """One opened generation of the log file."""

    fd: int
    device: int
    inode: int
    prefix: bytes = b""  # the file's first bytes up to the read position (at most FINGERPRINT_BYTES)
    lines: int = field(default=0)

    def checkpoint(self, byte_offset: int, skipping: bool, lines_ingested: int) -> Checkpoint:
        length = min(FINGERPRINT_BYTES, byte_offset, len(self.prefix))
        return Checkpoint(
            self.device, self.inode, fingerprint_of(self.prefix[:length]), length, byte_offset, skipping, lines_ingested
        )


class Line(NamedTuple):
    raw: bytes
    flags: int
    end_offset: int
    skipping_after: bool
    file: OpenFile


@dataclass
class FollowerStats:
    rotations: int = 0
    truncations: int = 0
    capped: int = 0
    unterminated: int = 0


class FileFollower:
    """Yield new complete lines of `path`, resuming from a checkpoint."""

    def __init__(
        self,
        path: Path,
        checkpoint: Checkpoint | None = None,
        *,
        chunk_size: int = 1 << 20,
        max_line_bytes: int = 64 * 1024,
    ) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self.max_line_bytes = max_line_bytes
        self.stats = FollowerStats()
        self.file: OpenFile | None = None
        self.read_pos = 0  # bytes of the current file read so far
        self.buffer = b""  # the partial line after the last newline
        self.skipping = False  # inside an over-long line, dropping bytes until its newline
        self._resume(checkpoint)

    # -- opening -------------------------------------------------------------------------------

    def _open(self, path: Path) -> OpenFile | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        info = os.fstat(fd)
        return OpenFile(fd, info.st_dev, info.st_ino, os.pread(fd, FINGERPRINT_BYTES, 0))

    def _matches(self, opened: OpenFile, checkpoint: Checkpoint) -> bool:
        if (opened.device, opened.inode) != (checkpoint.device, checkpoint.inode):
            return False
        if os.fstat(opened.fd).st_size < checkpoint.byte_offset:
            return False
        prefix = opened.prefix[: checkpoint.fingerprint_length]
        return len(prefix) == checkpoint.fingerprint_length and fingerprint_of(prefix) == checkpoint.fingerprint

    def _resume(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is not None:
            for candidate in self._candidates(checkpoint):
                opened = self._open(candidate)
                if opened is None:
                    continue
                if self._matches(opened, checkpoint):
                    self._adopt(opened, checkpoint.byte_offset, checkpoint.skipping)
                    return
                os.close(opened.fd)
        opened = self._open(self.path)
        if opened is not None:
            self._adopt(opened, 0, False)

    def _candidates(self, checkpoint: Checkpoint) -> list[Path]:
        """The log path first, then any sibling with the checkpoint's inode (rotated while we were down)."""
        found = [self.path]
        try:
            with os.scandir(self.path.parent) as entries:
                for entry in entries:
                    if entry.name != self.path.name and entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        if (info.st_dev, info.st_ino) == (checkpoint.device, checkpoint.inode):
                            found.append(Path(entry.path))
        except FileNotFoundError:
            pass
        return found

    def _adopt(self, opened: OpenFile, offset: int, skipping: bool) -> None:
        # Only bytes we have consumed identify the file; later bytes may still change (truncation).
        opened.prefix = opened.prefix[: min(FINGERPRINT_BYTES, offset)]
        self.close()
        self.file = opened
        self.read_pos = offset
        self.buffer = b""
        self.skipping = skipping

    def close(self) -> None:
        """Release the open file, if any."""
        if self.file is not None:
            os.close(self.file.fd)
            self.file = None

    # -- following -----------------------------------------------------------------------------

    @property
    def committed_offset(self) -> int:
        """The offset just after the last complete line handed out."""
        return self.read_pos - len(self.buffer)

    def size_behind(self) -> int:
        """Bytes written to the current file that are not yet handed out as lines."""
        if self.file is None:
            return 0
        try:
            return max(0, os.fstat(self.file.fd).st_size - self.committed_offset)
        except OSError:
            return 0

    def poll(self) -> Iterator[Line]:
        """Yield every complete line available now, following rotation and truncation."""
        while True:
            try:
                on_disk = os.stat(self.path)
            except FileNotFoundError:
                on_disk = None
            current = self.file
            if current is None:
                if on_disk is None:
                    return
                opened = self._open(self.path)
                if opened is None:
                    return
                self._adopt(opened, 0, False)
                continue
            if self._was_truncated(current):
                # Truncated in place (copytruncate or `> file`), wherever the file now lives.
                self.stats.truncations += 1
                current = self._reopen_same(current)
                self._adopt(current, 0, False)
            if on_disk is not None and (on_disk.st_dev, on_disk.st_ino) == (current.device, current.inode):
                yield from self._drain(current)
                return
            # Rotated away or deleted: what was written to the old file comes first.
            yield from self._drain(current)
            if on_disk is None:
                return  # keep the deleted file open; a re-created file is picked up next poll
            if self.buffer:
                # The writer has moved on; this fragment will never be completed.
                self.stats.unterminated += 1
                fragment, self.buffer = self.buffer, b""
                yield Line(fragment, FLAG_UNTERMINATED, self.read_pos, False, current)
            opened = self._open(self.path)
            if opened is None:
                return
            self.stats.rotations += 1
            self._adopt(opened, 0, False)

    def _reopen_same(self, current: OpenFile) -> OpenFile:
        # Same descriptor, fresh prefix: the old first bytes are gone.
        return OpenFile(os.dup(current.fd), current.device, current.inode)

    def _was_truncated(self, current: OpenFile) -> bool:
        size = os.fstat(current.fd).st_size
        if size < self.read_pos:
            return True
        length = min(FINGERPRINT_BYTES, self.read_pos, len(current.prefix))
        return length > 0 and os.pread(current.fd, length, 0) != current.prefix[:length]

    def _drain(self, current: OpenFile) -> Iterator[Line]:
        while True:
            chunk = os.pread(current.fd, self.chunk_size, self.read_pos)
            if not chunk:
                return
            if self.read_pos < FINGERPRINT_BYTES:
                current.prefix = (current.prefix[: self.read_pos] + chunk)[:FINGERPRINT_BYTES]
            base = self.read_pos - len(self.buffer)  # file offset of data[0]
            self.read_pos += len(chunk)
            data = self.buffer + chunk if self.buffer else chunk
            self.buffer = b""
            start = 0
            if self.skipping:
                newline = data.find(b"\n")
                if newline < 0:
                    continue
                start = newline + 1
                self.skipping = False
            end = data.rfind(b"\n")
            if end >= start:
                position = base + start
                for raw in data[start:end].split(b"\n"):
                    position += len(raw) + 1
                    if len(raw) > self.max_line_bytes:
                        self.stats.capped += 1
                        yield Line(raw[: self.max_line_bytes], FLAG_CAPPED, position, False, current)
                    else:
                        yield Line(raw, 0, position, False, current)
                start = end + 1
            rest = data[start:]
            if len(rest) > self.max_line_bytes:
                # Cut now so memory stays bounded; the remainder of this line is skipped.
                self.stats.capped += 1
                self.skipping = True
                yield Line(rest[: self.max_line_bytes], FLAG_CAPPED, base + len(data), True, current)
            else:
                self.buffer = rest
