"""The models: MediaPipe Tasks PoseLandmarker (full model), FaceLandmarker (with irises and
blendshapes) and HandLandmarker on the CPU, for up to two people, in VIDEO mode.

Owns: ``LandmarkDetector``, the shipped model files (``POSE_MODEL``, ``FACE_MODEL``, ``HAND_MODEL``,
``read_model``), ``load_mediapipe`` and ``quiet_native_stderr`` (MediaPipe's C++ start-up notices
held back). The only module that imports mediapipe, and lazily, so that importing it stays cheap.
Imports: frames, landmarks, partner.
"""
from __future__ import annotations

import atexit
import collections
import contextlib
import hashlib
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cue_trainer.frames import Frame, chunk_index
from cue_trainer.landmarks import Detections, Landmarks
from cue_trainer.partner import Follower, partner_of, thumbnail

logger = logging.getLogger(__name__)

#: What MediaPipe's C++ side (absl, TFLite) prints straight to file descriptor 2 when its graphs
#: start or first see a person: notices, not errors. Nothing else is held back.
NATIVE_NOISE = re.compile(
    r"Created TensorFlow Lite XNNPACK delegate"
    r"|Creating LiteRT environment|RegisterAccelerator: |XNNPACK CPU accelerator registered"
    r"|Flatbuffer model initialized directly|Sparsity tensors may not yet be fully supported"
    r"|Logging before InitGoogle\(\) is written to STDERR"
    r"|Sets FaceBlendshapesGraph acceleration to xnnpack"
    r"|Input tensor memory is not aligned according to LiteRt"
    r"|DestroyAccelerator: "
    r"|All log messages before absl::InitializeLog\(\) is called"
    r"|inference_feedback_manager\.cc:\d+\] Feedback manager requires a model with a single signature"
    r"|landmark_projection_calculator\.cc:\d+\] Using NORM_RECT without IMAGE_DIMENSIONS"
)
_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: int | None = None
_quiet_file = None


@contextlib.contextmanager
def quiet_native_stderr():
    """Hold back MediaPipe's C++ start-up notices (``NATIVE_NOISE``) while the block runs.

    The C++ side writes to file descriptor 2 directly, below Python. While any block is inside,
    descriptor 2 points to a temporary file; when the last one leaves, it is restored and every
    line captured that is not a known notice — a real error, or another thread's output — is
    written to the real stderr. Nests and is safe across threads (one redirection for all).
    """
    global _quiet_depth, _quiet_saved, _quiet_file
    with _quiet_lock:
        if _quiet_depth == 0:
            sys.stderr.flush()
            if _quiet_file is None:
                _quiet_file = tempfile.TemporaryFile()
            _quiet_saved = os.dup(2)
            os.dup2(_quiet_file.fileno(), 2)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                sys.stderr.flush()
                os.dup2(_quiet_saved, 2)
                os.close(_quiet_saved)
                _quiet_file.seek(0)
                captured = _quiet_file.read().decode("utf-8", "replace")
                _quiet_file.seek(0)
                _quiet_file.truncate()
                kept = [line for line in captured.splitlines(keepends=True) if line.strip() and not NATIVE_NOISE.search(line)]
                if kept:
                    os.write(2, "".join(kept).encode())


#: People detected per frame: faces for the partner and two more (a split-screen call of three,
#: a visitor who enters); bodies for the partner and one more (a third body model search finds
#: ghosts in the partner's own body, which moved the partner's shoulders by degrees).
MAX_FACES = 3
MAX_BODIES = 2
#: Hands looked for per frame (two people's), and kept for the partner.
MAX_HANDS = 2 * MAX_BODIES
#: The palm detector's confidence for a hand. At 0.7 a hand over the mouth and nose in a dim
#: close-up (the wolfgang clip) is not found for 4.5 s; at 0.5 it is, at once. The "hands" 0.5
#: finds in shirts and sweaters under the chin, which made false hand-at-face episodes while the gap
#: was measured to the nose, lie off the face outline the gap is measured to now: none on the dev clips.
HAND_CONFIDENCE = 0.5
#: The hand model costs about as much as the face model, most of it in the search for a palm while
#: no hand is in view: it runs on every other frame while it follows a hand, on every fifth while it
#: searches; the frames between repeat its last result.
HANDS_TRACK_EVERY = 2
HANDS_SEARCH_EVERY = 5

@dataclass(frozen=True)
class Model:
    """A MediaPipe Tasks model shipped in ``cue_trainer/models`` (see the NOTICE there)."""

    file: str
    size: int
    sha256: str

    @property
    def path(self) -> Path:
        return MODELS_DIR / self.file


MODELS_DIR = Path(__file__).parent / "models"
POSE_MODEL = Model("pose_landmarker_full.task", 9_398_198,
                   "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1")
FACE_MODEL = Model("face_landmarker.task", 3_758_596,
                   "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff")
HAND_MODEL = Model("hand_landmarker.task", 7_819_105,
                   "fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1")


class ModelError(RuntimeError):
    """A shipped model file is missing or not the file it should be."""


def read_model(model: Model) -> bytes:
    """The model's bytes, checked against its size and sha256; never downloads anything."""
    try:
        data = model.path.read_bytes()
    except OSError as e:
        raise ModelError(f"The model file {model.path} cannot be read ({e.strerror or e}); "
                         "reinstall cue-trainer.") from None
    if len(data) != model.size or hashlib.sha256(data).hexdigest() != model.sha256:
        raise ModelError(f"The model file {model.path} is not the one cue-trainer ships (its size or checksum "
                         "differs); reinstall cue-trainer.")
    return data


def load_mediapipe() -> None:
    """Import MediaPipe's Tasks API now (about a second) rather than when the first detector
    starts; the app does it once at start-up."""
    from mediapipe.tasks.python import vision  # noqa: F401


#: Every landmarker open now. MediaPipe's own finaliser can hang when the garbage collector runs
#: it (it waits for the model's thread from inside a collection), so a landmarker is never left to
#: the collector: a detector closes its own, and any left open by a detector that was dropped
#: without ``close`` are closed when the process exits.
_OPEN: set = set()


@atexit.register
def _close_leftovers() -> None:
    with quiet_native_stderr():
        while _OPEN:
            _OPEN.pop().close()


class LandmarkDetector:
    """MediaPipe Tasks ``PoseLandmarker`` (full model), ``FaceLandmarker`` (with blendshapes) and
    ``HandLandmarker`` on the CPU, up to two people; the partner among them is chosen and followed
    by a ``PartnerTracker``, and their body points are smoothed over time. Create one per stream
    and reuse it: the models track across frames.

    The models are read from ``cue_trainer/models`` and checked by size and sha256 (``ModelError``
    otherwise); nothing is downloaded. Each model runs on a thread of its own (MediaPipe releases
    the GIL), so that on two cores the face and hands overlap the body.

    Args:
        static_images: treat every frame as unrelated (photos; IMAGE mode) instead of a video stream
            (VIDEO mode with increasing millisecond timestamps from the frames' session clock).
        face: also run the face model (needed for head direction, gaze, eyes and a hand at the face).
        hands: also run the hand model (a hand at the face, when the body model cannot see the hand
            well, as in a head-and-shoulders close-up); only with ``face``.
        min_confidence: detection, presence and tracking confidence for the models.
    """

    def __init__(self, *, static_images: bool = False, face: bool = True, hands: bool = True,
                 min_confidence: float = 0.5) -> None:
        self._static = static_images
        self._min_confidence = min_confidence
        self._follow = Follower()
        self._frames = 0
        self._next_hands = 0
        self._last_hands = None
        self._models: dict[str, object] = {}
        self._last_ms: dict[str, int] = {}
        self._last_t: float | None = None
        self._offset_ms = 0
        # The C++ side prints its start-up notices from the constructors and on the first frames.
        self._start_quiet = contextlib.ExitStack()
        self._start_quiet.enter_context(quiet_native_stderr())
        self._quiet_until = time.monotonic() + 10.0
        try:
            self._models["pose"] = self._create("pose")
            if face:
                self._models["face"] = self._create("face")
                if hands:
                    self._models["hands"] = self._create("hands")
        except BaseException:
            self._close_models()
            self._start_quiet.close()
            raise
        # One thread per model, so that each model's frames reach it in order.
        self._threads = {name: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"landmarks-{name}")
                         for name in ("pose", "pose2", "face", "hands")}

    def _create(self, name: str):
        from mediapipe.tasks.python import BaseOptions, vision  # heavy (~1 s); only this module imports it

        mode = vision.RunningMode.IMAGE if self._static else vision.RunningMode.VIDEO
        c = self._min_confidence
        if name in ("pose", "pose2"):
            landmarker = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=read_model(POSE_MODEL)), running_mode=mode,
                num_poses=MAX_BODIES, min_pose_detection_confidence=c, min_pose_presence_confidence=c,
                min_tracking_confidence=c,
            ))
        elif name == "face":
            landmarker = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=read_model(FACE_MODEL)), running_mode=mode,
                num_faces=MAX_FACES, min_face_detection_confidence=c, min_face_presence_confidence=c,
                min_tracking_confidence=c, output_face_blendshapes=True,
            ))
        else:
            c = max(c, HAND_CONFIDENCE)
            landmarker = vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=read_model(HAND_MODEL)), running_mode=mode,
                num_hands=MAX_HANDS, min_hand_detection_confidence=c, min_hand_presence_confidence=c,
                min_tracking_confidence=c,
            ))
        _OPEN.add(landmarker)
        return landmarker

    def detect(self, frame: Frame) -> Landmarks:
        """The partner's landmarks in ``frame`` (an empty result if they are not in it)."""
        with quiet_native_stderr():
            found = self._finish(frame, self._submit(frame, "pose"))
        lm = partner_of(found) if self._static else self._follow(found)  # photos are unrelated: each chooses afresh
        self._end_quiet(lm.has_pose and lm.has_face)
        return lm

    def detections(self, frames: Iterable[Frame], *, chunk_s: float | None = None) -> Iterator[Detections]:
        """Everyone found in each of ``frames``, in order, with two frames in flight: the body model
        of the next frame runs (on a second copy of it) while this frame's face and hands finish.
        For video files, where the next frame is already there; about 1.5 times the frames per
        second of ``detect`` on two cores.

        The models restart (``_submit``'s ``restart``) on the first frame and on the first frame at
        or after each multiple of ``chunk_s`` seconds, and the two body models take turns afresh
        from there. So a chunk's detections depend only on the chunk's own frames: a worker given
        the chunk alone finds exactly what this stream finds (the test suite checks it bit for bit).
        Choosing the partner among them is the caller's (``Follower``).
        """
        if self._static:
            for frame in frames:
                with quiet_native_stderr():
                    yield self._finish(frame, self._submit(frame, "pose"))
            return
        if "pose2" not in self._models:  # kept until close: a worker streams chunk after chunk
            with quiet_native_stderr():
                self._models["pose2"] = self._create("pose2")
        pending: collections.deque = collections.deque()
        chunk, k = None, 0
        for frame in frames:
            here = chunk_index(frame.t, chunk_s)
            if here != chunk:
                chunk, k = here, 0
            with quiet_native_stderr():
                pending.append((frame, self._submit(frame, "pose" if k % 2 == 0 else "pose2", restart=k == 0)))
                k += 1
                if len(pending) < 2:
                    continue
                found = self._finish(*pending.popleft())
            self._end_quiet(bool(found.poses and found.faces))
            yield found
        while pending:
            with quiet_native_stderr():
                found = self._finish(*pending.popleft())
            yield found

    def _end_quiet(self, seen: bool) -> None:
        """Stop holding back the start-up notices once a body and a face have been seen (the
        models have said all they say at start), or after ten seconds."""
        if seen or time.monotonic() > self._quiet_until:
            self._start_quiet.close()

    def _run(self, name: str, image, ms: int):
        model = self._models[name]
        if self._static:
            return model.detect(image)
        # VIDEO mode needs strictly increasing timestamps per model; a frame time that repeats
        # moves on by a millisecond (a clock that steps back is offset in ``_submit``).
        ms = max(ms, self._last_ms.get(name, -1) + 1)
        self._last_ms[name] = ms
        return model.detect_for_video(image, ms)

    def _restart(self, name: str, blank, ms: int) -> None:
        """On the model's own thread, between the frames it has been given and the next: one empty
        frame, after which the model has nobody to follow and searches the next frame afresh,
        exactly as a newly created model does (checked bit for bit on one and on two people);
        the hand model's schedule starts again too."""
        self._run(name, blank, ms)
        if name == "hands":
            self._frames, self._next_hands, self._last_hands = 0, 0, None

    def _hands(self, image, ms: int):
        """The hand model's result for this frame: run on every other frame while it follows a
        hand, every fifth while it searches (photos: always); the frames between repeat the last."""
        self._frames += 1
        if self._static or self._frames > self._next_hands:
            self._last_hands = self._run("hands", image, ms)
            found = bool(self._last_hands.hand_landmarks)
            self._next_hands = self._frames + (0 if self._static else HANDS_TRACK_EVERY - 1 if found
                                               else HANDS_SEARCH_EVERY - 1)
        return self._last_hands

    def _submit(self, frame: Frame, pose: str, *, restart: bool = False) -> dict:
        from mediapipe import Image, ImageFormat

        image = Image(image_format=ImageFormat.SRGB, data=np.ascontiguousarray(frame.rgb))
        ms = int(round(frame.t * 1000))
        if self._last_t is not None and frame.t < self._last_t:
            # The clock went back: a new stream on this detector. Its timestamps go on from the old
            # ones (VIDEO mode needs them increasing, at their real spacing), and its partner is
            # chosen afresh.
            self._offset_ms = self._offset_ms + int(round(self._last_t * 1000)) + 100 - ms
            self._follow = Follower()
        self._last_t = frame.t
        ms += self._offset_ms
        if restart:
            blank = Image(image_format=ImageFormat.SRGB, data=np.zeros_like(frame.rgb))
            for name in self._models:
                self._threads[name].submit(self._restart, name, blank, ms - 1)
        jobs = {"pose": self._threads[pose].submit(self._run, pose, image, ms)}
        if "face" in self._models:
            jobs["face"] = self._threads["face"].submit(self._run, "face", image, ms)
        if "hands" in self._models:
            jobs["hands"] = self._threads["hands"].submit(self._hands, image, ms)
        return jobs

    def _finish(self, frame: Frame, jobs: dict) -> Detections:
        results = {name: job.result() for name, job in jobs.items()}
        return Detections.from_tasks(frame.t, frame.size, results["pose"], results.get("face"), results.get("hands"),
                                     thumbnail(frame.rgb))

    def close(self) -> None:
        self._start_quiet.close()
        for thread in self._threads.values():
            thread.shutdown()
        self._close_models()

    def _close_models(self) -> None:
        # Closed here, never left to the garbage collector (see _OPEN). The native side says
        # goodbye as they are freed: quietly.
        with quiet_native_stderr():
            while self._models:
                landmarker = self._models.popitem()[1]
                landmarker.close()
                _OPEN.discard(landmarker)

    def __enter__(self) -> LandmarkDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
