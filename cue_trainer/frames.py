"""Frames from video files, as RGB frames on the session clock (the live path's pictures come from the page: ``app.sources``).

Owns: ``Frame`` and the sources that yield it. Imports: OpenCV, numpy and PyAV (the times of a
variable-rate file's frames, from its packets).
"""
from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# FFmpeg prints its own complaints ("moov atom not found") to stderr; an unreadable file gets one
# sentence from us instead. Must be set before OpenCV opens its first file.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from cue_trainer import InputError  # noqa: E402

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One RGB image at a time on the session clock.

    Attributes:
        t: seconds since the session started (monotonic).
        rgb: (height, width, 3) uint8 array, RGB channel order.
    """

    t: float
    rgb: np.ndarray

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3 or self.rgb.dtype != np.uint8:
            raise ValueError(
                f"rgb must be a (height, width, 3) uint8 array, but got shape {self.rgb.shape} "
                f"and dtype {self.rgb.dtype}"
            )

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]


def is_url(location: str | os.PathLike) -> bool:
    """Whether ``location`` is an address (``https://…``) rather than a path on this computer."""
    return isinstance(location, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", location) is not None


def _open_video(path: Path | str) -> cv2.VideoCapture:
    """Open a video with its display rotation applied: a phone video tagged "rotate 90°" yields
    upright frames (this OpenCV build does not apply the tag unless asked)."""
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


#: Video codecs (FourCC, lower case) that browsers play in a <video> element.
BROWSER_CODECS = frozenset({"avc1", "h264", "x264", "vp80", "vp08", "vp90", "vp09", "av01"})


def video_codec(path: str | os.PathLike) -> str | None:
    """The FourCC of a video file's stream in lower case ("avc1", "vp80", "mp4v", …); None if it
    cannot be opened."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            return None
        code = int(cap.get(cv2.CAP_PROP_FOURCC))
        text = "".join(chr((code >> (8 * k)) & 0xFF) for k in range(4)).strip("\x00 ").lower()
        return text or None
    finally:
        cap.release()


class VideoFileSource:
    """Frames of a video file, optionally thinned to an analysis rate.

    Args:
        path: the video file, or its address (``https://…``: FFmpeg reads it, seeking by range requests).
        fps: analysis rate in frames per second; ``None`` keeps every frame. Frames are picked by
            their timestamps, so a 30 fps file analysed at 10 fps yields every third frame.

    Raises:
        InputError: the file is missing or is not a video OpenCV can decode.
    """

    def __init__(self, path: str | os.PathLike, *, fps: float | None = None) -> None:
        self.path = path if is_url(path) else Path(path)
        if fps is not None and not (fps > 0 and math.isfinite(fps)):
            raise InputError(f"The analysis rate must be a positive number of frames per second, not {fps}.")
        self.analysis_fps = fps
        if not is_url(path):
            if not self.path.exists():
                raise InputError(f"There is no file at {self.path}.")
            if self.path.is_dir():
                raise InputError(f"{self.path} is a folder, not a video file.")
            if not self.path.is_file():  # a device such as /dev/null, a pipe, a socket
                raise InputError(f"{self.path} is not a regular file, so it cannot be read as a video.")
        cap = _open_video(self.path)
        ok, first = cap.read() if cap.isOpened() else (False, None)
        if not ok or first is None:
            cap.release()
            if is_url(path) and not cap.isOpened():
                raise InputError(f"{path} could not be opened (check that the address is right and that this "
                                 "computer can reach it).")
            raise InputError(f"{self.path} is not a video this program can read (it may be empty, corrupt or not a video).")
        self.native_fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        if not (0 < self.native_fps < 1000):
            self.native_fps = 30.0  # some containers carry no rate; a guess keeps timestamps monotonic
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if count and count > 0 else None
        self.width, self.height = first.shape[1], first.shape[0]
        cap.release()
        #: Each frame's time from the container, for a variable frame rate (None: a constant rate,
        #: and a frame's time is its index over the rate).
        self.frame_times = None if is_url(path) else _variable_times(self.path, self.native_fps)
        if self.frame_times is not None:
            self.frame_count = len(self.frame_times)
            self.native_fps = (len(self.frame_times) - 1) / self.frame_times[-1]  # on average

    def _t(self, index: int) -> float:
        """The time of frame ``index``, seconds from the first."""
        if self.frame_times is None:
            return index / self.native_fps
        times = self.frame_times
        return float(times[index]) if index < len(times) else float(times[-1]) + (index - len(times) + 1) / self.native_fps

    @property
    def duration_s(self) -> float | None:
        """Length of the video in seconds, when the container says how many frames it has."""
        if self.frame_times is not None:
            return float(self.frame_times[-1]) + 1.0 / self.native_fps
        return None if self.frame_count is None else self.frame_count / self.native_fps

    @property
    def expected_frames(self) -> int | None:
        """How many frames ``__iter__`` will yield, if the length is known."""
        if self.frame_count is None:
            return None
        if self.analysis_fps is None:
            return self.frame_count
        if self.frame_times is not None:  # as ``_frames`` picks them
            step, next_t, n = 1.0 / self.analysis_fps, 0.0, 0
            for t in self.frame_times:
                if t + 1e-9 >= next_t:
                    n, next_t = n + 1, next_t + step
            return n
        if self.analysis_fps >= self.native_fps:
            return self.frame_count
        return math.ceil(self.frame_count * self.analysis_fps / self.native_fps)

    def __iter__(self) -> Iterator[Frame]:
        return self._frames()

    def chunk(self, k: int, chunk_s: float, *, to_end: bool = False) -> Iterator[Frame]:
        """The frames of chunk ``k`` (those whose ``chunk_index`` is ``k``; with ``to_end``, and all
        after): exactly the frames, times and pixels that iterating the whole video yields there,
        read from a seek to the first of them. ``to_end`` is for the last chunk, in case the
        container counts fewer frames than it holds."""
        return self._frames(k, chunk_s, to_end)

    def _frames(self, k: int = 0, chunk_s: float | None = None, to_end: bool = True) -> Iterator[Frame]:
        # Which frames are analysed depends on each frame's time, known without reading: its index
        # over the rate (a constant frame rate: container timestamps are unreliable in many such
        # files) or the container's times of a variable-rate file. So the start of a chunk is found
        # by counting, without reading.
        step = 0.0 if self.analysis_fps is None else 1.0 / self.analysis_fps
        index, next_t = 0, 0.0
        while k > 0:
            t = self._t(index)
            if t + 1e-9 >= next_t:
                if chunk_index(t, chunk_s) >= k:
                    break
                next_t += step
            index += 1
        cap = _open_video(self.path)
        try:
            if index > 0:
                self._seek(cap, index)
            while True:
                t = self._t(index)
                index += 1
                if t + 1e-9 < next_t:
                    if not cap.grab():
                        break
                    continue
                if not to_end and chunk_index(t, chunk_s) > k:
                    break
                ok, bgr = cap.read()
                if not ok:
                    break
                next_t += step
                yield Frame(t, cv2.cvtColor(fit(bgr), cv2.COLOR_BGR2RGB))
        finally:
            cap.release()

    def _seek(self, cap: cv2.VideoCapture, index: int) -> None:
        """Put ``cap`` before frame ``index``: FFmpeg's seek (to a key frame, then decoding forward),
        or, where the container does not allow an exact seek, reading from the start. OpenCV turns
        a frame index into a time by the average rate, so a variable-rate file is read from the start."""
        if self.frame_times is None and cap.set(cv2.CAP_PROP_POS_FRAMES, index) \
                and int(cap.get(cv2.CAP_PROP_POS_FRAMES)) == index:
            return
        logger.info("%s: no exact seek to frame %d; reading up to it", self.path, index)
        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        for _ in range(index):
            if not cap.grab():
                return


#: The longest side of a frame as analysed: larger pictures are scaled down on reading (the models
#: work on far smaller inputs; a 10000×10000 video otherwise holds gigabytes of frames).
MAX_SIDE = 1920


#: Frame intervals that differ from one another by more than this share of the mean make a file's
#: frame rate variable (a constant-rate file's intervals differ by a millisecond of rounding at most).
VARIABLE_RATE = 0.25


def _variable_times(path: Path, native_fps: float) -> np.ndarray | None:
    """The presentation time of every frame (seconds from the first) when the file's frame rate
    varies, from its packets (read without decoding); None for a constant rate, or when the
    container cannot be read so (OpenCV's count and rate are used then)."""
    import av  # PyAV's demuxer; FFmpeg underneath, like OpenCV's

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            pts = np.array(sorted(p.pts for p in container.demux(stream) if p.pts is not None), np.float64)
            base = float(stream.time_base)
    except (av.error.FFmpegError, IndexError, OSError):
        return None
    if len(pts) < 3:
        return None
    times = (np.unique(pts) - pts[0]) * base
    gaps = np.diff(times)
    if times[-1] <= 0 or np.abs(gaps - gaps.mean()).max() <= VARIABLE_RATE * gaps.mean():
        return None
    return times


def fit(bgr: np.ndarray) -> np.ndarray:
    """``bgr`` scaled down (area averaging) so that its longer side is at most ``MAX_SIDE``."""
    h, w = bgr.shape[:2]
    if max(h, w) <= MAX_SIDE:
        return bgr
    k = MAX_SIDE / max(h, w)
    return cv2.resize(bgr, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


def chunk_index(t: float, chunk_s: float | None) -> int:
    """Which chunk of ``chunk_s`` seconds the time ``t`` falls in (0 without chunks). Frames are
    put in chunks by their time alone, so every engine cuts a video at the same frames."""
    return 0 if chunk_s is None else int(t // chunk_s)
