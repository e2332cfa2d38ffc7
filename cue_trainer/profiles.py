"""Profiles: TOML files of cue thresholds and timings.

Owns: ``Profile``, ``CueSettings``, the default profile (each cue's defaults come from its
catalogue entry), loading with validation, and writing. Imports: catalogue. A profile file may
set only some values; the rest come from the defaults (``cue-trainer profile default`` prints them). Anything unknown or out of range is refused with a
message naming the key, the value and the allowed range.
"""
from __future__ import annotations

import math
import os
import textwrap
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import tomli_w

from cue_trainer import InputError, read_user_text
from cue_trainer.catalogue import BRIDGE_RANGE_S, BY_ID, COOLDOWN_RANGE_S, CUE_IDS, MIN_DURATION_RANGE_S, CueSpec

CALIBRATION_RANGE_S = (3.0, 600.0)


class ProfileError(InputError):
    """A profile file that cannot be used; the message names the key, value and allowed range."""


@dataclass(frozen=True)
class CueSettings:
    """Settings of one cue (units: the cue's signal unit for threshold and hysteresis)."""

    threshold: float
    hysteresis: float
    min_duration_s: float
    cooldown_s: float
    enabled: bool = True
    bridge_s: float = 0.0  # a dip under the threshold shorter than this stays inside the episode


@dataclass(frozen=True)
class Profile:
    """Thresholds and timings for every cue in the catalogue.

    Attributes:
        name, description: shown to people choosing a profile.
        calibration_s: length of the baseline window, seconds of the person in view.
        global_cooldown_s: minimum time between two suggestions of any cue.
        cues: settings per cue id, for every cue in the catalogue.
        source: the file it was read from, if any.
    """

    name: str
    description: str
    calibration_s: float
    global_cooldown_s: float
    cues: dict[str, CueSettings]
    source: str | None = field(default=None, compare=False)

    def with_cue(self, cue: str, **changes) -> Profile:
        """A copy with some settings of one cue changed (validated like a file)."""
        cues = dict(self.cues)
        cues[cue] = replace(cues[cue], **changes)
        profile = replace(self, cues=cues)
        return parse_profile(profile.to_toml(), origin="the changed profile")

    def to_dict(self) -> dict:
        return {
            "profile": {"name": self.name, "description": self.description},
            "timing": {"calibration_s": self.calibration_s, "global_cooldown_s": self.global_cooldown_s},
            "cues": {cue: asdict(s) for cue, s in self.cues.items()},
        }

    def to_toml(self, header: str = "") -> str:
        """The profile as TOML; ``header`` lines become comments at the top."""
        comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
        return comment + ("\n" if comment else "") + tomli_w.dumps(self.to_dict())

    def save(self, path: str | os.PathLike, header: str = "") -> Path:
        path = Path(path)
        path.write_text(self.to_toml(header), encoding="utf-8")
        return path


@dataclass(frozen=True)
class Interval:
    """A number from ``low`` to ``high`` (inclusive), in ``unit``."""

    low: float
    high: float
    unit: str = ""

    def check(self, where: str, key: str, value) -> float:
        unit = f" {self.unit}" if self.unit else ""
        allowed = f"allowed {self.low:g} to {self.high:g}{unit}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(f"In {where}, {key} = {value!r} is not a number; {allowed}.")
        if math.isnan(value) or not self.low <= value <= self.high:
            raise ProfileError(f"In {where}, {key} = {value!r} is out of range; {allowed}.")
        return float(value)


@dataclass(frozen=True)
class OfType:
    """A value of one type (``bool``: true or false; ``str``: text)."""

    type: type
    words: str

    def check(self, where: str, key: str, value):
        if not isinstance(value, self.type):
            raise ProfileError(f"In {where}, {key} = {value!r} must be {self.words}.")
        return value


Flag, Text = OfType(bool, "true or false"), OfType(str, "text")


#: What each key of a profile file may hold, table by table (like scikit-learn's
#: ``_parameter_constraints``). A cue's constraints depend on the cue (its unit and range).
CONSTRAINTS: dict[str, dict] = {
    "profile": {"name": Text, "description": Text},
    "timing": {
        "calibration_s": Interval(*CALIBRATION_RANGE_S, "s"),
        "global_cooldown_s": Interval(*COOLDOWN_RANGE_S, "s"),
    },
}
CUE_CONSTRAINTS: dict[str, Callable[[CueSpec], object]] = {
    "threshold": lambda spec: Interval(*spec.threshold_range, spec.unit),
    "hysteresis": lambda spec: Interval(0.0, spec.threshold_range[1] / 2, spec.unit),
    "min_duration_s": lambda spec: Interval(*MIN_DURATION_RANGE_S, "s"),
    "cooldown_s": lambda spec: Interval(*COOLDOWN_RANGE_S, "s"),
    "bridge_s": lambda spec: Interval(*BRIDGE_RANGE_S, "s"),
    "enabled": lambda spec: Flag,
}


def _table(where: str, name: str, value) -> dict:
    if not isinstance(value, dict):
        raise ProfileError(f"In {where}, {name} must be a table, not {value!r}.")
    return value


def _checked(where: str, prefix: str, table: dict, constraints: dict) -> dict:
    """The values of ``table``, each checked against its constraint; unknown keys are refused."""
    out = {}
    for key, value in table.items():
        if key not in constraints:
            raise ProfileError(
                f"In {where}, {prefix}{key} is not a known setting; known ones are {', '.join(sorted(constraints))}."
            )
        out[key] = constraints[key].check(where, f"{prefix}{key}", value)
    return out


def fitting_hysteresis(cue: str, threshold: float, hysteresis: float) -> float:
    """``hysteresis``, or half of ``threshold`` where it would not be smaller than the threshold of a
    cue that fires above it (what ``parse_profile`` refuses): a sweep to low thresholds uses it."""
    if BY_ID[cue].direction == "above" and hysteresis >= threshold > 0:
        return threshold / 2
    return hysteresis


def parse_profile(text: str, *, origin: str = "the profile", base: Profile | None = None) -> Profile:
    """Parse and validate profile TOML; values it leaves out come from ``base`` (the defaults).

    Raises:
        ProfileError: invalid TOML, an unknown key or cue, a value of the wrong type or out of range.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{origin} is not valid TOML ({e}).") from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise ProfileError(f"{origin} nests arrays or tables too deeply to be a profile.") from None
    unknown = [k for k in data if k not in (*CONSTRAINTS, "cues")]
    if unknown:
        raise ProfileError(f"In {origin}, {unknown[0]} is not a known setting; known ones are cues, profile, timing.")
    base = base or default_profile()
    meta = _checked(origin, "profile.", _table(origin, "[profile]", data.get("profile", {})), CONSTRAINTS["profile"])
    timing = _checked(origin, "timing.", _table(origin, "[timing]", data.get("timing", {})), CONSTRAINTS["timing"])
    settings = dict(base.cues)
    for cue, table in _table(origin, "[cues]", data.get("cues", {})).items():
        if cue not in BY_ID:
            raise ProfileError(f"In {origin}, cues.{cue} is not a known cue; known cues are {', '.join(CUE_IDS)}.")
        constraints = {key: make(BY_ID[cue]) for key, make in CUE_CONSTRAINTS.items()}
        values = _checked(origin, f"cues.{cue}.", _table(origin, f"cues.{cue}", table), constraints)
        settings[cue] = replace(settings[cue], **values)
        spec, cs = BY_ID[cue], settings[cue]
        if spec.direction == "above" and cs.hysteresis >= cs.threshold > 0:
            raise ProfileError(
                f"In {origin}, cues.{cue}.hysteresis ({cs.hysteresis:g}) must be smaller than its threshold "
                f"({cs.threshold:g}): an episode ends when the signal falls back below threshold − hysteresis, "
                f"and {cs.threshold - cs.hysteresis:g} would keep it going long after the change.")
    return Profile(
        name=meta.get("name", base.name),
        description=meta.get("description", base.description),
        calibration_s=timing.get("calibration_s", base.calibration_s),
        global_cooldown_s=timing.get("global_cooldown_s", base.global_cooldown_s),
        cues=settings,
        source=origin,
    )


DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "Defaults shipped with cue-trainer: conservative, so that suggestions stay sparse."
DEFAULT_CALIBRATION_S = 20.0  # baseline window, seconds of the person in view
DEFAULT_GLOBAL_COOLDOWN_S = 60.0  # at most one suggestion per minute, whatever the cue

_DEFAULT: Profile | None = None


def default_profile() -> Profile:
    """The profile shipped with the package: every cue's ``Defaults`` from the catalogue."""
    global _DEFAULT
    if _DEFAULT is None:
        seed = Profile(
            name=DEFAULT_NAME, description=DEFAULT_DESCRIPTION, calibration_s=DEFAULT_CALIBRATION_S,
            global_cooldown_s=DEFAULT_GLOBAL_COOLDOWN_S,
            cues={c.id: CueSettings(threshold=c.defaults.threshold, hysteresis=c.defaults.hysteresis,
                                    min_duration_s=c.defaults.min_duration_s, cooldown_s=c.defaults.cooldown_s,
                                    enabled=c.defaults.enabled, bridge_s=c.defaults.bridge_s)
                  for c in BY_ID.values()},
        )
        # Validated like any file: a default out of its own range fails here, at first use.
        _DEFAULT = parse_profile(seed.to_toml(), origin="the default profile", base=seed)
    return _DEFAULT


def commented_default() -> str:
    """The default profile as TOML with a comment per cue (what it measures, in which unit, and why
    its defaults are what they are): the starting point for a profile of one's own."""
    profile = default_profile()
    lines = [
        "# cue-trainer default profile: thresholds and timings of every cue.",
        "#",
        "# Thresholds are relative to the partner's own baseline. A cue starts when its signal reaches",
        "# `threshold` and ends when it falls back past `threshold - hysteresis` (or rises past",
        "# `threshold + hysteresis` for a cue that fires below its threshold). An episode counts once it",
        "# has lasted `min_duration_s`; a dip shorter than `bridge_s` inside it does not end it; a",
        "# suggestion for the same cue is offered at most once per `cooldown_s`.",
        "# Keep only the values you change.",
        "",
        tomli_w.dumps({"profile": {"name": profile.name, "description": profile.description},
                       "timing": {"calibration_s": profile.calibration_s,
                                  "global_cooldown_s": profile.global_cooldown_s}}).rstrip(),
    ]
    for cue, settings in profile.cues.items():
        spec = BY_ID[cue]
        about = f"{spec.label}: {spec.signal}" + (f" (in {spec.unit})" if spec.unit else "")
        lines += ["", *textwrap.wrap(about, 98, initial_indent="# ", subsequent_indent="# ")]
        lines += textwrap.wrap(spec.defaults.why, 98, initial_indent="# ", subsequent_indent="# ")
        lines.append(tomli_w.dumps({"cues": {cue: asdict(settings)}}).rstrip())
    return "\n".join(lines) + "\n"


def available_profiles(folder: str | os.PathLike) -> dict[str, Path | None]:
    """Profiles a person can pick: ``{"default": None}`` plus every ``*.toml`` in ``folder`` by file stem."""
    found: dict[str, Path | None] = {"default": None}
    folder = Path(folder)
    if folder.is_dir():
        found.update({p.stem: p for p in sorted(folder.glob("*.toml"))})
    return found


def load_profile(path: str | os.PathLike | None = None) -> Profile:
    """Read a profile file (``None``: the defaults).

    Raises:
        ProfileError: the file is missing, unreadable or invalid; the message says which key and why.
    """
    if path is None:
        return default_profile()
    text = read_user_text(path, "profile file", ProfileError)
    return parse_profile(text, origin=str(path))
