"""Baseline: a robust per-person reference, fitted on a calibration window.

Owns: ``Baseline``, a scikit-learn transformer where scikit-learn is installed (the tuning and the
notebooks: it fits in a ``Pipeline``, ``clone`` copies it); the app alone installs without
scikit-learn (and SciPy, about 200 MB), and the baseline then has the same methods without it.
Imports: features.

The centre is the median and the spread the scaled median absolute deviation, so a calibration
that contains a few odd seconds (a stretch, a look at the door) still gives the person's usual
values: up to half of the frames can be unusual before the median moves.
"""
from __future__ import annotations

import json

import numpy as np

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.exceptions import NotFittedError
except ImportError:  # the app's lean install
    class BaseEstimator:  # type: ignore[no-redef]
        """Where scikit-learn is not installed: nothing to add."""

    class TransformerMixin:  # type: ignore[no-redef]
        def fit_transform(self, X, y=None):
            return self.fit(X, y).transform(X)

    class NotFittedError(ValueError, AttributeError):  # type: ignore[no-redef]
        """Used before ``fit`` (scikit-learn's own, where it is installed)."""

from cue_trainer import InputError
from cue_trainer.features import FEATURES

_MAD_TO_SD = 1.4826  # makes the MAD estimate the standard deviation for normal data


class Baseline(TransformerMixin, BaseEstimator):
    """Per-feature reference values of one person.

    Args:
        min_valid_share: a feature gets a centre only if at least this share of the calibration
            frames measured it; otherwise its centre is NaN and the cues that need it are unknown.

    Attributes (after ``fit``):
        center_: (len(FEATURES),) median of each feature, NaN where too few frames measured it.
        scale_: (len(FEATURES),) robust spread (1.4826 × MAD), NaN likewise.
        n_valid_: (len(FEATURES),) how many calibration frames measured each feature.
        n_frames_: number of calibration frames.
    """

    def __init__(self, min_valid_share: float = 0.3) -> None:
        self.min_valid_share = min_valid_share

    def fit(self, X: np.ndarray, y=None) -> Baseline:
        """Fit on ``X``: (n_frames, len(FEATURES)) feature values of the calibration window."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(FEATURES):
            raise ValueError(f"X must have shape (n_frames, {len(FEATURES)}), but got shape {X.shape}")
        if not 0 < self.min_valid_share <= 1:
            raise ValueError(f"min_valid_share must be in (0, 1], but got {self.min_valid_share}")
        valid = np.isfinite(X)
        self.n_frames_ = X.shape[0]
        self.n_valid_ = valid.sum(axis=0)
        enough = self.n_valid_ >= max(1, self.min_valid_share * X.shape[0])
        center = np.full(X.shape[1], np.nan)
        scale = np.full(X.shape[1], np.nan)
        for j in np.flatnonzero(enough):
            col = X[valid[:, j], j]
            center[j] = np.median(col)
            scale[j] = _MAD_TO_SD * np.median(np.abs(col - center[j]))
        self.center_ = center
        self.scale_ = scale
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "center_"):
            raise NotFittedError("This Baseline is not fitted yet; call fit with the calibration frames first.")

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Deviation of each feature from its centre: (n_frames, len(FEATURES)), NaN stays NaN."""
        self._check_fitted()
        return np.asarray(X, dtype=np.float64) - self.center_

    def __getitem__(self, name: str) -> float:
        """Centre of one feature by name."""
        self._check_fitted()
        return float(self.center_[FEATURES.index(name)])

    def to_json(self) -> str:
        self._check_fitted()
        as_list = lambda a: [None if not np.isfinite(v) else float(v) for v in a]  # noqa: E731
        return json.dumps(
            {
                "features": list(FEATURES),
                "min_valid_share": self.min_valid_share,
                "n_frames": int(self.n_frames_),
                "n_valid": [int(v) for v in self.n_valid_],
                "center": as_list(self.center_),
                "scale": as_list(self.scale_),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Baseline:
        """Rebuild a fitted baseline saved with ``to_json`` (features matched by name).

        Raises:
            InputError: the text is not such a baseline (a damaged or hand-edited row).
        """
        try:
            data = json.loads(text)
            names = data["features"]
            b = cls(min_valid_share=float(data["min_valid_share"]))
            idx = {n: i for i, n in enumerate(names)}
            pick = lambda key, fill: np.array(  # noqa: E731
                [fill if n not in idx or data[key][idx[n]] is None else data[key][idx[n]] for n in FEATURES], np.float64
            )
            b.center_ = pick("center", np.nan)
            b.scale_ = pick("scale", np.nan)
            b.n_valid_ = pick("n_valid", 0).astype(int)
            b.n_frames_ = int(data["n_frames"])
        except (ValueError, KeyError, TypeError, IndexError, RecursionError) as e:
            raise InputError(f"The stored baseline cannot be read ({e.__class__.__name__}).") from None
        return b
