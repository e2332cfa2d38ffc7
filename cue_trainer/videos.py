"""Processing a recorded video: a file becomes a stored session.

Owns: ``VIDEO_SUFFIXES`` (what counts as a video, for folders and uploads), ``ProcessResult``,
``process_video``, ``SessionWriter`` and ``CHUNK_S``. Imports: analysis, clock, detector, frames, interrupts,
landmarks, partner, profiles, records, store.
"""
from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cue_trainer import InputError
from cue_trainer.analysis import Analysis
from cue_trainer.clock import format_clock
from cue_trainer.frames import VideoFileSource, is_url
from cue_trainer.interrupts import Interrupted, ctrl_c_between_frames
from cue_trainer.detector import LandmarkDetector
from cue_trainer.landmarks import Detections
from cue_trainer.partner import Follower
from cue_trainer.profiles import CALIBRATION_RANGE_S, Profile
from cue_trainer.records import CueEvent, Suggestion
from cue_trainer.store import SessionStore, StoreFault

logger = logging.getLogger(__name__)

#: File name endings treated as videos (a folder's videos; the upload box's accepted types).
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")


@dataclass(frozen=True)
class ProcessResult:
    """Outcome of ``process_video``."""

    session_id: int
    frames: int
    duration_s: float
    elapsed_s: float
    events: list[CueEvent]
    suggestions: list[Suggestion]
    status: str
    note: str | None


def baseline_note(analysis: Analysis, duration_s: float) -> str:
    """Why a video gave no baseline, in one sentence that says what is true."""
    since = analysis.calibrating_since
    if since is None:
        return "Nobody was in view long enough to calibrate a baseline, so no cues were detected."
    return (f"The video ended {max(0.0, duration_s - since):.0f} s into the {analysis.calibration_s:g} s baseline "
            "(the person was in view), so no cues were detected; analyse it again with a shorter baseline.")


#: A video is analysed in chunks of this many seconds of video: the models restart at the start of
#: each (``LandmarkDetector.detections``), so that the chunks of one long video can go to many
#: workers of a cluster and still give exactly the session one process gives. A restart costs
#: one empty frame per model; with one person in view it changes nothing at all (the models
#: search every frame while fewer than two people are in view).
CHUNK_S = 60.0


class SessionWriter:
    """One video's session while it is written, from each frame's ``Detections`` in time order —
    read by this process or sent back chunk by chunk by the workers of a cluster. It owns what
    runs from frame to frame after the models: the partner's choice and smoothing (``Follower``),
    the analysis (features, baseline, cues, suggestions) and the session's rows in the store. So
    one process (the only writer of the store) stitches the chunks, and nothing that looks back
    in time is ever cut at a chunk's edge.

    Args:
        store: where the session is written; it is created at once (status "running").
        source_path: the video's name as recorded.
        expected_frames, duration_s: what the container says (None if it does not).
        profile, fps, calibration_s: as for ``process_video``.
    """

    def __init__(self, store: SessionStore, *, source_path: str, profile: Profile, fps: float | None,
                 calibration_s: float | None, expected_frames: int | None, duration_s: float | None) -> None:
        self.store = store
        self.expected_frames, self.duration_s = expected_frames, duration_s
        self.started = time.perf_counter()
        self.session_id = store.create_session(source="video", source_path=source_path,
                                               profile_toml=profile.to_toml(), analysis_fps=fps)
        self.follow = Follower()
        self.analysis = Analysis(profile, recorder=store.recorder(self.session_id), calibration_s=calibration_s)

    @property
    def frames(self) -> int:
        return self.analysis.frames

    def add(self, found: Detections) -> None:
        self.analysis.step(self.follow(found))

    def finish(self) -> ProcessResult:
        """Ends the session: complete, or incomplete when far fewer frames could be read than the
        container promised (a truncated or damaged file)."""
        analysis = self.analysis
        analysis.finish()
        status, note = "complete", None
        duration = self.duration_s if self.duration_s is not None else (analysis.last_t or 0.0)
        if self.expected_frames is not None and analysis.frames < 0.9 * self.expected_frames:
            status = "incomplete"
            note = (f"The video could only be read up to {format_clock(analysis.last_t or 0.0)}; "
                    "it may be truncated or damaged.")
            duration = analysis.last_t or 0.0
        elif analysis.baseline is None:
            note = baseline_note(analysis, duration)
        self.store.end_session(self.session_id, duration_s=duration, status=status, note=note)
        return ProcessResult(self.session_id, analysis.frames, duration, time.perf_counter() - self.started,
                             analysis.events, analysis.suggestions, status, note)

    def abort(self, note: str = "Processing was interrupted.") -> None:
        """Ends the session as incomplete, keeping every row written so far."""
        try:
            self.analysis.finish()
            self.store.end_session(self.session_id, duration_s=self.analysis.last_t or 0.0, status="incomplete",
                                   note=note)
        except StoreFault:  # e.g. the disk is still full: the rows committed so far stay, listed incomplete
            logger.info("Session %s could not be closed", self.session_id, exc_info=True)


#: A baseline that takes this share of a video or more leaves little to analyse: the Process page
#: warns and offers ``shorter_baseline``.
MOST_OF_THE_VIDEO = 0.8


def shorter_baseline(duration_s: float) -> int:
    """The baseline to suggest for a video of ``duration_s``: a third of it, 3 to 20 s."""
    return int(max(CALIBRATION_RANGE_S[0], min(20, duration_s // 3)))


def refuse_a_baseline_longer_than(duration_s: float | None, calibration_s: float, name: str) -> None:
    """Raise ``InputError`` (one sentence, with a shorter baseline) when the baseline would take the
    whole video; nothing is stored before this is asked."""
    if duration_s and calibration_s >= duration_s:
        raise InputError(f"The {calibration_s:g} s baseline is longer than {name} ({duration_s:.1f} s), so nothing "
                         f"would be left to analyse; nothing was stored. Try a {shorter_baseline(duration_s)} s "
                         f"baseline (--calibration-s {shorter_baseline(duration_s)}).")


def process_video(
    path,
    *,
    store: SessionStore,
    profile: Profile,
    fps: float | None = 10.0,
    calibration_s: float | None = None,
    detector: LandmarkDetector | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    source_name: str | None = None,
    chunk_s: float | None = CHUNK_S,
    stop: Callable[[], bool] | None = None,
) -> ProcessResult:
    """Turn a video file into a stored session.

    Args:
        path: the video.
        store: the session store to write to.
        profile: thresholds and timings (stored with the session).
        fps: analysis rate (None: every frame).
        calibration_s: baseline window (default: the profile's).
        detector: a landmark detector to reuse (default: a new one, closed afterwards).
        progress: called as ``progress(frames_done, frames_expected_or_None)`` after each frame.
        source_name: what to record as the video's name (default: the absolute, resolved ``path``,
            so that the same file named another way is the same video; e.g. an upload's name).
        chunk_s: where the models restart (``CHUNK_S``; the same on every engine so that sessions
            agree; None: never).
        stop: asked after each frame (and once the models are loaded): when it says True, the
            analysis stops as on Ctrl-C (a batch's worker processes, which leave Ctrl-C to the parent).

    Raises:
        InputError: the file is missing or not a readable video, or shorter than the baseline;
            nothing is stored then.
        Interrupted: Ctrl-C (or ``stop``); the session made so far is kept as incomplete.
    """
    source = VideoFileSource(path, fps=fps)  # validates before anything is written
    own_detector = detector is None
    name = source_name or (path if is_url(path) else str(Path(path).resolve()))
    refuse_a_baseline_longer_than(source.duration_s, calibration_s or profile.calibration_s,
                                  source_name or Path(str(path)).name)
    with ctrl_c_between_frames(stop) as stop_if_asked:
        detector = detector or LandmarkDetector()  # a press while the models load is taken just after
        writer = None
        try:
            stop_if_asked()
            writer = SessionWriter(store, source_path=name, profile=profile, fps=fps,
                                   calibration_s=calibration_s, expected_frames=source.expected_frames,
                                   duration_s=source.duration_s)
            # Two frames in flight (the next frame's body model runs while this one's face finishes).
            with contextlib.closing(detector.detections(source, chunk_s=chunk_s)) as found:
                for detections in found:
                    writer.add(detections)
                    if progress is not None:
                        progress(writer.frames, source.expected_frames)
                    stop_if_asked()
            return writer.finish()
        except BaseException as error:
            if writer is not None:
                writer.abort()
            if isinstance(error, KeyboardInterrupt):
                raise Interrupted(writer.session_id if writer else None) from None
            raise
        finally:
            if own_detector:
                detector.close()
