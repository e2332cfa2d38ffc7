"""A video call's shared window or tab: its tiles, and the partner's tile followed as the layout changes.

Owns: ``Box`` (a rectangle in pixels), ``find_tiles`` (the pictures of a call layout),
``faces_on`` (everyone who could be the partner on a still of the call, largest face first) and
``TileFollower`` (the partner's tile, frame after frame: speaker view, gallery, a tile that moves).
Imports: frames, partner (a picture's colours, to know the partner's tile again). A tile is found
by its edges, not by what it shows; ``faces_on`` is given the detector that finds the faces.

A call window shows each person's picture as a tile on a plain background (the call's dark grey,
or a window colour). A tile is a region that differs from the colour around the window's edge;
the partner's tile is the one the practitioner chose, and after a layout change the tile whose
colours are most like the chosen tile's. A shared picture without a plain background (one video
filling the window) is a single tile.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cue_trainer.frames import Frame
from cue_trainer.partner import alike, colours

#: Tiles are found on the picture made this many pixels wide (cheap: a few milliseconds), where
#: the gap between two tiles of a call (8 px or more in a 1280 px window) is still three pixels.
WORK_WIDTH = 480
#: A pixel differs from the background when one of its channels is this far from the background's.
BACKGROUND_DIFF = 24
#: The background is one colour when at least three quarters of the window's edge is within
#: ``BACKGROUND_DIFF`` of it; else the shared picture is one video and one tile.
PLAIN_EDGE = 0.75
#: A tile covers at least this share of the window and is at least this many pixels on each side
#: (smaller regions are names, icons and buttons of the call's own interface).
MIN_TILE_SHARE = 0.01
MIN_TILE_PX = 48
#: A tile that overlaps the last frame's by this much (intersection over union) is the same tile.
SAME_PLACE = 0.8
#: After a layout change, the tile whose colours are at least this alike (Bhattacharyya
#: coefficient) to the partner's tile is theirs; when none is, the partner's tile is lost.
SAME_TILE = 0.8
#: How much each frame of the partner's tile moves its remembered colours (the light changes).
COLOUR_MEMORY = 0.05


@dataclass(frozen=True)
class Box:
    """A rectangle of a picture, in pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h

    def crop(self, rgb: np.ndarray) -> np.ndarray:
        return rgb[self.y:self.y + self.h, self.x:self.x + self.w]

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def overlap(self, other: Box) -> float:
        """Intersection over union (0: apart, 1: the same rectangle)."""
        w = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        h = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        inter = max(0, w) * max(0, h)
        return inter / (self.area + other.area - inter) if inter else 0.0

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


def find_tiles(rgb: np.ndarray) -> list[Box]:
    """The tiles of a call window (RGB), largest first; the whole picture when it has no plain
    background."""
    h, w = rgb.shape[:2]
    k = min(1.0, WORK_WIDTH / w)
    small = cv2.resize(rgb, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
    edge = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    background = np.median(edge, axis=0)
    low = np.clip(background - BACKGROUND_DIFF, 0, 255).astype(np.uint8)
    high = np.clip(background + BACKGROUND_DIFF, 0, 255).astype(np.uint8)
    whole = [Box(0, 0, w, h)]
    if cv2.inRange(edge[None], low, high).mean() / 255 < PLAIN_EDGE:
        return whole
    # A tile's pixels that happen to be the background's colour (a dark shirt, a shadow) may cut it
    # in pieces; their boxes overlap and are joined again (``_merged``). Two tiles never join: no
    # closing of the mask, which would bridge the gap between them.
    mask = cv2.bitwise_not(cv2.inRange(small, low, high))  # some channel far from the background's
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for x, y, bw, bh, _ in stats[1:n]:
        box = Box(int(x / k), int(y / k), min(w, round(bw / k)), min(h, round(bh / k)))
        if box.area >= MIN_TILE_SHARE * w * h and min(box.w, box.h) >= MIN_TILE_PX:
            boxes.append(box)
    boxes = _merged(boxes)
    return sorted(boxes, key=lambda b: -b.area) or whole


def _merged(boxes: list[Box]) -> list[Box]:
    """Boxes that overlap, joined (one tile that the mask cut in two)."""
    out: list[Box] = []
    for box in boxes:
        for k, other in enumerate(out):
            if box.overlap(other) > 0:
                x0, y0 = min(box.x, other.x), min(box.y, other.y)
                x1, y1 = max(box.x + box.w, other.x + other.w), max(box.y + box.h, other.y + other.h)
                out[k] = Box(x0, y0, x1 - x0, y1 - y0)
                break
        else:
            out.append(box)
    return out if len(out) == len(boxes) else _merged(out)


@dataclass(frozen=True)
class Face:
    """Someone on a still of the call: their face and the tile it is in (pixels of the still)."""

    face: Box
    tile: Box


def faces_on(rgb: np.ndarray, detector) -> list[Face]:
    """Every face the models find in the tiles of a still of the call (``detector``: a
    ``LandmarkDetector`` for photos), largest first. A tile holds the partner's picture, the
    practitioner's own view or someone else's: the practitioner says which is the partner."""
    out = []
    for tile in find_tiles(rgb):
        found = next(detector.detections([Frame(0.0, np.ascontiguousarray(tile.crop(rgb)))]))
        for face in found.faces:
            x0, y0 = face[:, 0].min() * tile.w, face[:, 1].min() * tile.h
            x1, y1 = face[:, 0].max() * tile.w, face[:, 1].max() * tile.h
            out.append(Face(Box(tile.x + int(x0), tile.y + int(y0), int(x1 - x0), int(y1 - y0)), tile))
    return sorted(out, key=lambda f: -f.face.area)


class TileFollower:
    """The partner's tile in each frame of a shared call window.

    Args:
        rgb: the picture on which the partner's tile was chosen.
        tile: that tile.

    Attributes:
        tile: the partner's tile in the last frame.
        tiles: how many tiles the last frame had.
        lost: whether the last layout change left no tile that looks like the partner's (the last
            known tile is kept until one does).
    """

    def __init__(self, rgb: np.ndarray, tile: Box) -> None:
        self.tile = tile
        self.tiles = 1
        self.lost = False
        self._colours = colours(tile.crop(rgb))
        self._size = rgb.shape[:2]

    def __call__(self, rgb: np.ndarray) -> Box:
        """The partner's tile in ``rgb`` (a frame of the same window, at any size: a browser may
        send the window smaller while the computer is busy)."""
        if rgb.shape[:2] != self._size:
            (h0, w0), (h, w) = self._size, rgb.shape[:2]
            t = self.tile
            self.tile = Box(round(t.x * w / w0), round(t.y * h / h0), round(t.w * w / w0), round(t.h * h / h0))
            self._size = (h, w)
        tiles = find_tiles(rgb)
        self.tiles = len(tiles)
        seen = {t: colours(t.crop(rgb)) for t in tiles}
        looks = {t: alike(c, self._colours) for t, c in seen.items()}
        same = max(tiles, key=self.tile.overlap)
        # The same place and still the partner's colours; a speaker view that put someone else in
        # the partner's place, or a layout change, makes the tile that looks like theirs the one.
        if same.overlap(self.tile) < SAME_PLACE or looks[same] < SAME_TILE:
            same = max(tiles, key=looks.get)
        if looks[same] >= SAME_TILE:
            self.tile, self.lost = same, False
            self._colours = (1 - COLOUR_MEMORY) * self._colours + COLOUR_MEMORY * seen[same]
        else:
            self.lost = True
        return self.tile
