"""The tiles of a shared call window (cue_trainer/tiles.py), on call layouts made of real dev clips:
found by their edges, the partner's tile followed across a switch from speaker view to gallery,
kept when someone else takes the partner's place, said to be lost when it is gone (issue 25)."""
from __future__ import annotations

import numpy as np
import pytest

from cue_trainer.detector import LandmarkDetector
from cue_trainer.tiles import Box, TileFollower, faces_on, find_tiles
from tests.composites import clip_frames, fit

W, H = 1280, 720
BACKGROUND = (32, 33, 36)  # a call's dark grey
SPEAKER = {"partner": Box(40, 60, 960, 540), "self": Box(1024, 438, 224, 126)}
GALLERY = {"self": Box(13, 185, 620, 349), "partner": Box(647, 185, 620, 349)}


@pytest.fixture(scope="module")
def people():
    """Two seconds each of two people: the partner (cap13) and someone else (wolfgang)."""
    return clip_frames("cap13", 5, 2.0, start_s=2.0), clip_frames("wolfgang", 5, 2.0)


def window(layout: dict[str, Box], pictures: dict[str, np.ndarray]) -> np.ndarray:
    out = np.empty((H, W, 3), np.uint8)
    out[:] = BACKGROUND
    for who, box in layout.items():
        if who in pictures:
            out[box.y:box.y + box.h, box.x:box.x + box.w] = fit(pictures[who], box.w, box.h)
    return out


def close(a: Box, b: Box, px: int = 6) -> bool:
    return all(abs(x - y) <= px for x, y in zip(a.as_list(), b.as_list()))


def test_the_tiles_of_a_call_window_are_found_by_their_edges(people):
    partner, other = people
    speaker = find_tiles(window(SPEAKER, {"partner": partner[0], "self": other[0]}))
    assert len(speaker) == 2 and close(speaker[0], SPEAKER["partner"])
    # The self-view's dark left edge is close to the call's grey: its box is the rest of the tile.
    assert speaker[1].overlap(SPEAKER["self"]) > 0.7
    gallery = find_tiles(window(GALLERY, {"partner": partner[0], "self": other[0]}))
    assert len(gallery) == 2 and any(close(b, GALLERY["partner"]) for b in gallery)
    assert any(b.overlap(GALLERY["self"]) > 0.6 for b in gallery)


def test_a_picture_with_no_plain_background_is_one_tile(people):
    partner, _ = people
    frame = fit(partner[0], W, H)
    assert find_tiles(frame) == [Box(0, 0, W, H)]


def test_the_partner_s_tile_is_followed_from_speaker_view_to_gallery(people):
    partner, other = people
    first = window(SPEAKER, {"partner": partner[0], "self": other[0]})
    follow = TileFollower(first, find_tiles(first)[0])
    for k in range(1, 5):
        assert close(follow(window(SPEAKER, {"partner": partner[k], "self": other[k]})), SPEAKER["partner"])
    # Gallery: the partner moves to the right, smaller; the other person's tile is nearer where
    # the partner was, but it does not look like theirs.
    for k in range(5, 10):
        assert close(follow(window(GALLERY, {"partner": partner[k], "self": other[k]})), GALLERY["partner"])
        assert not follow.lost and follow.tiles == 2


def test_someone_else_in_the_partner_s_place_is_not_followed_and_the_tile_is_said_lost(people):
    """A speaker view that puts the other person where the partner was: the place alone would
    follow them; their colours say it is not the partner's tile, so it is lost until they are back."""
    partner, other = people
    first = window(SPEAKER, {"partner": partner[0]})
    follow = TileFollower(first, find_tiles(first)[0])
    swapped = window({"other": SPEAKER["partner"]}, {"other": other[1]})
    assert close(follow(swapped), SPEAKER["partner"])  # kept where it was ...
    assert follow.lost  # ... and said to be lost
    back = window(GALLERY, {"partner": partner[2], "self": other[2]})
    assert close(follow(back), GALLERY["partner"]) and not follow.lost


def test_the_faces_on_a_still_are_everyone_in_the_tiles_largest_first(people):
    partner, other = people
    still = window(SPEAKER, {"partner": partner[0], "self": other[0]})
    detector = LandmarkDetector(static_images=True, hands=False)
    try:
        faces = faces_on(still, detector)
    finally:
        detector.close()
    assert [f.tile for f in faces] == [find_tiles(still)[0], find_tiles(still)[1]]
    assert faces[0].face.area > faces[1].face.area
    assert all(f.tile.contains(f.face.x + f.face.w / 2, f.face.y + f.face.h / 2) for f in faces)


def test_a_window_sent_smaller_keeps_the_partner_s_tile(people):
    """A browser may send the shared window at another size (a busy computer, a small screen)."""
    import cv2

    partner, other = people
    first = window(SPEAKER, {"partner": partner[0], "self": other[0]})
    follow = TileFollower(first, find_tiles(first)[0])
    half = cv2.resize(window(SPEAKER, {"partner": partner[1], "self": other[1]}), (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    assert close(follow(half), Box(20, 30, 480, 270), px=4) and not follow.lost
