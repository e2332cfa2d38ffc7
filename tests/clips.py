"""Synthetic clips made from real photos (scikit-image's astronaut; matplotlib's portrait of Grace
Hopper as a second person): a steady stretch, then a change.

Builders take plain lists of (seconds, pose) steps. A pose is a dict of how the photo is placed:
``dy`` (shift down, share of frame height), ``scale`` (about the frame centre), ``angle`` (degrees,
counter-clockwise), ``dark`` (True: a black frame, as when the light goes or the camera is covered),
``scene`` (a name in ``SCENES`` instead of the astronaut alone: two people in view, or only the other).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from skimage import data

WIDTH, HEIGHT = 640, 480

#: The synthetic clips used across tests: a steady stretch, then a change at CHANGE_S.
CHANGE_S = 8.0
CLIPS: dict[str, list[tuple[float, dict]]] = {
    "steady": [(16.0, {})],
    "moves_down": [(CHANGE_S, {}), (8.0, {"dy": 0.2})],
    "leans_back": [(CHANGE_S, {}), (8.0, {"scale": 0.7})],
    "lies_down": [(CHANGE_S, {}), (8.0, {"angle": 35.0})],
    "goes_dark": [(CHANGE_S, {}), (6.0, {"dark": True})],
}


def astronaut_canvas() -> np.ndarray:
    """The astronaut photo (RGB) centred on a 640×480 canvas, head and shoulders in view."""
    photo = cv2.resize(data.astronaut(), (HEIGHT, HEIGHT), interpolation=cv2.INTER_AREA)
    canvas = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    x0 = (WIDTH - HEIGHT) // 2
    canvas[:, x0 : x0 + HEIGHT] = photo
    return canvas


def hopper_photo() -> np.ndarray:
    """Grace Hopper's portrait (RGB, 512×600), shipped with matplotlib as sample data."""
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        return np.asarray(im.convert("RGB"))


def two_people_canvas(partner: bool = True, other: bool = True) -> np.ndarray:
    """640×480: Grace Hopper (the partner) left of centre, head and shoulders, and the astronaut
    smaller, at the right edge, beside her shoulder (as someone a step behind), not over her."""
    canvas = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    if partner:
        canvas[:, 60:470] = cv2.resize(hopper_photo(), (410, 480), interpolation=cv2.INTER_AREA)
    if other:
        photo = cv2.resize(data.astronaut(), (300, 300), interpolation=cv2.INTER_AREA)
        canvas[180:480, 430:640] = photo[:, 60:270]
    return canvas


#: Named pictures for the ``scene`` of a step.
SCENES = {
    "partner": lambda: two_people_canvas(other=False),
    "both": lambda: two_people_canvas(),
    "other": lambda: two_people_canvas(partner=False),
}
#: Two people in view: someone enters after the calibration; the partner leaves and the other stays.
TWO_PEOPLE_CLIPS: dict[str, list[tuple[float, dict]]] = {
    "someone_enters": [(CHANGE_S, {"scene": "partner"}), (8.0, {"scene": "both"})],
    "partner_leaves": [(CHANGE_S, {"scene": "both"}), (8.0, {"scene": "other"})],
}


#: Both people in view, swaying a little (a new place every half second) for 12 s: the models follow
#: two people from frame to frame, so where they restart matters (the chunked-processing tests).
SWAYING_PAIR: list[tuple[float, dict]] = [
    (0.5, {"scene": "both", "dy": round(0.02 * np.sin(i * 0.9), 4), "scale": round(1 + 0.03 * np.sin(i * 0.5), 4)})
    for i in range(24)
]


def place(canvas: np.ndarray, *, dy: float = 0.0, scale: float = 1.0, angle: float = 0.0, dark: bool = False) -> np.ndarray:
    """The canvas moved down by ``dy`` frame heights, scaled and rotated about the centre."""
    if dark:
        return np.zeros_like(canvas)
    h, w = canvas.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[1, 2] += dy * h
    return cv2.warpAffine(canvas, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(40, 40, 40))


def frames(steps: list[tuple[float, dict]], fps: float, canvas: np.ndarray | None = None):
    """RGB frames for each (seconds, pose) step, in order."""
    canvas = astronaut_canvas() if canvas is None else canvas
    for seconds, pose in steps:
        pose = dict(pose)
        scene = pose.pop("scene", None)
        img = place(SCENES[scene]() if scene else canvas, **pose)
        for _ in range(int(round(seconds * fps))):
            yield img


def _write(path: Path, steps: list[tuple[float, dict]], fps: float, fourcc: str) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (WIDTH, HEIGHT))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} here"
    for rgb in frames(steps, fps):
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_mp4(path: Path, steps: list[tuple[float, dict]], fps: float = 10.0) -> Path:
    """Write the clip as MPEG-4 (mp4v) and return its path."""
    return _write(path, steps, fps, "mp4v")


def write_webm(path: Path, steps: list[tuple[float, dict]], fps: float = 10.0) -> Path:
    """Write the clip as WebM (VP8), which browsers play, and return its path."""
    return _write(path, steps, fps, "VP80")


def write_variable_rate(path: Path, parts: list[tuple[float, dict, float]]) -> Path:
    """A variable-frame-rate clip (PyAV, time base 1/1000 ms): each (seconds, pose, fps) part at
    its own rate, as a phone or a screen recorder writes. The container's ``.mkv`` or ``.mp4``
    comes from the suffix."""
    from fractions import Fraction

    import av

    container = av.open(str(path), "w", format="matroska" if path.suffix == ".mkv" else "mp4")
    stream = container.add_stream("mpeg4", rate=30)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
    t0 = 0.0
    for seconds, pose, fps in parts:
        for k, rgb in enumerate(frames([(seconds, pose)], fps)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(1000 * (t0 + k / fps)), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        t0 += seconds
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def frame_times(path: Path) -> list[float]:
    """The time (seconds) of every frame OpenCV decodes from a video file, in order."""
    cap = cv2.VideoCapture(str(path))
    times = []
    while cap.read()[0]:
        times.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000)
    cap.release()
    return times


def write_sideways_mp4(path: Path, steps: list[tuple[float, dict]], fps: float = 10.0) -> Path:
    """The clip as a phone stores a portrait video: pixels turned a quarter, plus a rotation tag
    that turns them back for display."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (HEIGHT, WIDTH))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for rgb in frames(steps, fps):
        writer.write(cv2.cvtColor(cv2.rotate(rgb, cv2.ROTATE_90_COUNTERCLOCKWISE), cv2.COLOR_RGB2BGR))
    writer.release()
    return tag_rotation(path, 90)


def write_y4m(path: Path, steps: list[tuple[float, dict]], fps: int = 15) -> Path:
    """Write the clip as uncompressed YUV4MPEG2 (4:2:0), the format Chromium's fake webcam plays."""
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames(steps, fps):
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def tag_rotation(path: Path, degrees: int = 90) -> Path:
    """Give an MP4 a display rotation, as a phone does: the track header's matrix (ISO 14496-12
    'tkhd', version 0) is set to a rotation, the pixels stay as they are."""
    import math
    import struct

    data = bytearray(path.read_bytes())
    at = data.index(b"tkhd") + 4
    assert data[at] == 0, "version-0 track header expected"
    a = round(math.cos(math.radians(degrees))) * 0x10000
    b = round(math.sin(math.radians(degrees))) * 0x10000
    matrix = struct.pack(">9i", a, b, 0, -b, a, 0, 0, 0, 0x40000000)
    data[at + 40: at + 76] = matrix  # after version/flags (4), times, ids, duration (20), reserved, layer...
    path.write_bytes(bytes(data))
    return path
