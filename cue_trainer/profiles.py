"""Profiles: TOML files of cue thresholds and timings.

Owns: ``Profile``, ``CueSettings``, loading with validation, and writing. Imports: catalogue.
The defaults ship as ``cue_trainer/default_profile.toml``. A profile file may set only some
values; the rest come from the defaults. Anything unknown or out of range is refused with a
message naming the key, the value and the allowed range.
"""
from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path

import tomli_w

from cue_trainer import InputError, read_user_text
from cue_trainer.catalogue import BY_ID, COOLDOWN_RANGE_S, CUE_IDS, MIN_DURATION_RANGE_S

CALIBRATION_RANGE_S = (3.0, 600.0)
GLOBAL_COOLDOWN_RANGE_S = (0.0, 7200.0)


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


def _number(where: str, key: str, value, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"In {where}, {key} = {value!r} is not a number; allowed {low:g} to {high:g}{unit}.")
    if not (low <= value <= high) or math.isnan(value):
        raise ProfileError(f"In {where}, {key} = {value!r} is out of range; allowed {low:g} to {high:g}{unit}.")
    return float(value)


def _check_keys(where: str, prefix: str, table: dict, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ProfileError(
                f"In {where}, {prefix}{key} is not a known setting; known ones are {', '.join(sorted(allowed))}."
            )


def parse_profile(text: str, *, origin: str = "the profile", base: Profile | None = None) -> Profile:
    """Parse and validate profile TOML; values it leaves out come from ``base`` (the defaults).

    Raises:
        ProfileError: invalid TOML, an unknown key or cue, a value of the wrong type or out of range.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{origin} is not valid TOML ({e}).") from None
    _check_keys(origin, "", data, {"profile", "timing", "cues"})
    base = base or default_profile()
    meta = data.get("profile", {})
    timing = data.get("timing", {})
    cues = data.get("cues", {})
    for name, table in (("profile", meta), ("timing", timing), ("cues", cues)):
        if not isinstance(table, dict):
            raise ProfileError(f"In {origin}, [{name}] must be a table, not {table!r}.")
    _check_keys(origin, "profile.", meta, {"name", "description"})
    _check_keys(origin, "timing.", timing, {"calibration_s", "global_cooldown_s"})
    for key in ("name", "description"):
        if key in meta and not isinstance(meta[key], str):
            raise ProfileError(f"In {origin}, profile.{key} = {meta[key]!r} must be text.")

    settings = dict(base.cues)
    for cue, table in cues.items():
        if cue not in BY_ID:
            raise ProfileError(f"In {origin}, cues.{cue} is not a known cue; known cues are {', '.join(CUE_IDS)}.")
        if not isinstance(table, dict):
            raise ProfileError(f"In {origin}, cues.{cue} must be a table of settings, not {table!r}.")
        spec = BY_ID[cue]
        _check_keys(origin, f"cues.{cue}.", table, {"threshold", "hysteresis", "min_duration_s", "cooldown_s", "enabled"})
        current = settings[cue]
        unit = f" {spec.unit}" if spec.unit else ""
        lo, hi = spec.threshold_range
        values = {}
        if "threshold" in table:
            values["threshold"] = _number(origin, f"cues.{cue}.threshold", table["threshold"], lo, hi, unit)
        if "hysteresis" in table:
            values["hysteresis"] = _number(origin, f"cues.{cue}.hysteresis", table["hysteresis"], 0.0, hi / 2, unit)
        if "min_duration_s" in table:
            values["min_duration_s"] = _number(
                origin, f"cues.{cue}.min_duration_s", table["min_duration_s"], *MIN_DURATION_RANGE_S, " s"
            )
        if "cooldown_s" in table:
            values["cooldown_s"] = _number(origin, f"cues.{cue}.cooldown_s", table["cooldown_s"], *COOLDOWN_RANGE_S, " s")
        if "enabled" in table:
            if not isinstance(table["enabled"], bool):
                raise ProfileError(f"In {origin}, cues.{cue}.enabled = {table['enabled']!r} must be true or false.")
            values["enabled"] = table["enabled"]
        settings[cue] = replace(current, **values)

    return Profile(
        name=meta.get("name", base.name),
        description=meta.get("description", base.description),
        calibration_s=_number(origin, "timing.calibration_s", timing["calibration_s"], *CALIBRATION_RANGE_S, " s")
        if "calibration_s" in timing
        else base.calibration_s,
        global_cooldown_s=_number(
            origin, "timing.global_cooldown_s", timing["global_cooldown_s"], *GLOBAL_COOLDOWN_RANGE_S, " s"
        )
        if "global_cooldown_s" in timing
        else base.global_cooldown_s,
        cues=settings,
        source=origin,
    )


_DEFAULT: Profile | None = None


def default_profile() -> Profile:
    """The profile shipped with the package (``cue_trainer/default_profile.toml``)."""
    global _DEFAULT
    if _DEFAULT is None:
        text = resources.files("cue_trainer").joinpath("default_profile.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        # The shipped file must be complete; build it directly, then validate it like any file.
        seed = Profile(
            name=data["profile"]["name"],
            description=data["profile"]["description"],
            calibration_s=float(data["timing"]["calibration_s"]),
            global_cooldown_s=float(data["timing"]["global_cooldown_s"]),
            cues={cue: CueSettings(**{k: v for k, v in data["cues"][cue].items()}) for cue in CUE_IDS},
        )
        _DEFAULT = parse_profile(text, origin="the default profile", base=seed)
    return _DEFAULT


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
