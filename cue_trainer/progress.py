"""Progress across sessions: the noticing score of each practised session, over time, per
practitioner and per cue.

Owns: ``SessionScore``, ``session_score``, ``trend`` and ``per_cue``. Imports: catalogue, recording,
scoring, store. A session counts when someone practised noticing in it: a live session, an
attempt on a video, or any session with marks.

Kinds are kept apart (``GROUPS``): a live Coach session shows the answers as they happen, a live
Quiz does not, and practice on a video can be replayed and tried again; one line through all three
would mislead.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.recording import Recording
from cue_trainer.scoring import SCORE_TOLERANCE_S
from cue_trainer.store import SessionStore


@dataclass(frozen=True)
class SessionScore:
    """One session's noticing score.

    Attributes:
        per_cue: cue id -> (changes, noticed) for cues with changes or marks.
    """

    session_id: int
    started_at: str
    partner: str | None
    practitioner: str | None
    mode: str | None
    status: str
    duration_s: float
    changes: int
    noticed: int
    false_alarms: int
    not_scored: int
    median_delay_s: float
    per_cue: dict[str, tuple[int, int]] = field(default_factory=dict)
    kind: str = ""  # as SessionInfo.kind writes it
    practised_on: int | None = None  # an attempt: the session whose video it practised on
    against_labels: tuple[int, int] | None = None  # an attempt on a labelled video: (labelled changes, noticed)

    @property
    def group(self) -> str:
        """Which line it belongs on: "live · coach", "live · quiz", "video practice" or "video"."""
        return "video practice" if self.practised_on is not None else self.kind

    @property
    def noticed_share(self) -> float:
        """Noticed changes over all changes (NaN when the app counted none)."""
        return self.noticed / self.changes if self.changes else math.nan

    @property
    def false_alarms_per_10_min(self) -> float:
        return 600.0 * self.false_alarms / self.duration_s if self.duration_s > 0 else math.nan

    def as_dict(self) -> dict:
        d = asdict(self)
        d["per_cue"] = {c: {"changes": n, "noticed": h} for c, (n, h) in self.per_cue.items()}
        d["noticed_share"] = None if math.isnan(self.noticed_share) else round(self.noticed_share, 3)
        d["false_alarms_per_10_min"] = (None if math.isnan(self.false_alarms_per_10_min)
                                        else round(self.false_alarms_per_10_min, 2))
        d["median_delay_s"] = None if math.isnan(self.median_delay_s) else round(self.median_delay_s, 2)
        return d


def session_score(rec: Recording, tolerance_s: float = SCORE_TOLERANCE_S) -> SessionScore:
    """The score of one recording under the profile it was recorded with."""
    rows = rec.score(tolerance_s=tolerance_s)
    total = rows[-1]
    info = rec.info
    labelled = rec.score_against_labels(tolerance_s) if info.attempt else None
    return SessionScore(
        info.id, info.started_at, info.partner, info.practitioner, info.mode, info.status, rec.duration_s,
        total.episodes, total.hits, total.false_alarms, total.not_scored, total.median_delay_s,
        {r.cue: (r.episodes, r.hits) for r in rows[:-1]}, info.kind, info.practised_on,
        None if labelled is None else (labelled[-1].episodes, labelled[-1].hits),
    )


def trend(store: SessionStore, practitioner: str | None = None) -> list[SessionScore]:
    """The score of every practised session, oldest first; only ``practitioner``'s when given
    (names compare without case or surrounding spaces)."""
    wanted = practitioner.strip().casefold() if practitioner else None
    out = []
    for info in sorted(store.sessions(), key=lambda s: s.id):
        if wanted is not None and (info.practitioner or "").strip().casefold() != wanted:
            continue
        rec = Recording.load(store, info.id)
        if rec.practised and rec.stretches:
            out.append(session_score(rec))
    return out


#: The lines of the trend, in the order they are shown.
GROUPS = ("live · quiz", "live · coach", "video practice", "video")


def by_group(scores: list[SessionScore]) -> dict[str, list[SessionScore]]:
    """The scores per group (``GROUPS`` order, groups without scores left out), oldest first."""
    return {g: [s for s in scores if s.group == g] for g in GROUPS if any(s.group == g for s in scores)}


def first_and_latest(scores: list[SessionScore]) -> list[tuple[SessionScore, SessionScore]]:
    """For each video practised more than once (complete attempts): its first and latest attempt."""
    out = []
    for base in sorted({s.practised_on for s in scores if s.practised_on is not None}):
        done = [s for s in scores if s.practised_on == base and s.status == "complete"]
        if len(done) >= 2:
            out.append((done[0], done[-1]))
    return out


def per_cue(scores: list[SessionScore]) -> pd.DataFrame:
    """Per cue over the sessions: changes, noticed, missed and the noticed share, catalogue order."""
    rows = []
    for cue in CUE_IDS:
        n = sum(s.per_cue.get(cue, (0, 0))[0] for s in scores)
        h = sum(s.per_cue.get(cue, (0, 0))[1] for s in scores)
        if n:
            rows.append({"cue": BY_ID[cue].short, "changes": n, "noticed": h, "missed": n - h, "noticed share": h / n})
    return pd.DataFrame(rows, columns=["cue", "changes", "noticed", "missed", "noticed share"])
