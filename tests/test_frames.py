"""Frame sources on real files made in the test."""
import cv2
import numpy as np
import pytest

from tests.clips import write_mp4
from cue_trainer import InputError
from cue_trainer.frames import Frame, VideoFileSource


def test_analysis_rate_thins_a_30fps_file_to_10fps(tmp_path):
    path = write_mp4(tmp_path / "c.mp4", [(3.0, {})], fps=30.0)
    source = VideoFileSource(path, fps=10.0)
    frames = list(source)
    assert source.native_fps == pytest.approx(30.0)
    assert len(frames) == source.expected_frames == 30
    times = np.array([f.t for f in frames])
    assert times[0] == 0.0
    np.testing.assert_allclose(np.diff(times), 0.1, atol=1e-6)
    assert frames[0].rgb.shape == (480, 640, 3)


def test_every_frame_without_a_rate(tmp_path):
    path = write_mp4(tmp_path / "c.mp4", [(1.0, {})], fps=10.0)
    assert len(list(VideoFileSource(path))) == 10


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, r"There is no file at"),  # missing
        (lambda p: p.write_bytes(b""), r"is not a video this program can read"),  # zero bytes
        (lambda p: p.write_text("just some notes\n" * 50), r"is not a video this program can read"),  # text as .mp4
    ],
)
def test_bad_video_files_raise_one_clear_sentence(tmp_path, make, message):
    path = tmp_path / "interview.mp4"
    make(path)
    with pytest.raises(InputError, match=message):
        VideoFileSource(path)


def test_frame_rejects_non_rgb():
    with pytest.raises(ValueError, match=r"rgb must be a \(height, width, 3\) uint8 array, but got shape \(4, 4\)"):
        Frame(0.0, np.zeros((4, 4), np.uint8))


def test_a_huge_picture_is_scaled_down_on_reading(tmp_path):
    """Issue 21, item 14: a 4000x3000 video's frames reach the models at most MAX_SIDE wide, so that
    a huge picture costs the memory of one decoded frame, not of every frame kept at full size."""
    from cue_trainer.frames import MAX_SIDE

    path = tmp_path / "huge.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (4000, 3000))
    assert out.isOpened()
    for i in range(3):
        frame = np.zeros((3000, 4000, 3), np.uint8)
        frame[:, : 1000 * (i + 1)] = 200
        out.write(frame)
    out.release()
    frames = list(VideoFileSource(path))
    assert len(frames) == 3
    assert {f.rgb.shape for f in frames} == {(MAX_SIDE * 3 // 4, MAX_SIDE, 3)}
    # The picture is the same, smaller: the bright part grows by a quarter of the width each frame.
    assert [round(float((f.rgb[:, :, 0] > 100).mean()), 2) for f in frames] == [0.25, 0.5, 0.75]


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_a_variable_frame_rate_video_is_read_on_its_own_times(tmp_path, suffix):
    """Issue 21, item 10: frame times came from the frame index over the average rate, so a
    variable-rate video's length and its changes were misplaced. 14 s at 5 fps, then 6 s at 25."""
    from tests.clips import write_variable_rate

    path = write_variable_rate(tmp_path / f"vfr{suffix}", [(14.0, {}, 5.0), (6.0, {"dy": 0.2}, 25.0)])
    source = VideoFileSource(path)
    assert source.frame_count == 70 + 150
    assert source.duration_s == pytest.approx(20.0, abs=0.1)
    times = [f.t for f in source]
    assert times[69] == pytest.approx(13.8, abs=1e-3) and times[70] == pytest.approx(14.0, abs=1e-3)
    assert times[-1] == pytest.approx(19.96, abs=1e-3)
    # Thinned to 10 fps by the times: every frame of the slow part, every other... of the fast one.
    thinned = VideoFileSource(path, fps=10)
    picked = [f.t for f in thinned]
    assert len(picked) == thinned.expected_frames
    assert max(np.diff(picked)) == pytest.approx(0.2, abs=1e-3) and picked[-1] == pytest.approx(19.96, abs=0.05)
    # A chunk read from the middle is the same frames as the whole video's there.
    whole = [(f.t, f.rgb) for f in thinned if 10.0 <= f.t < 15.0]
    chunk = [(f.t, f.rgb) for f in thinned.chunk(2, 5.0)]
    assert [t for t, _ in chunk] == [t for t, _ in whole]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(chunk, whole))
