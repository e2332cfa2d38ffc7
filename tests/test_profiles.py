"""Profiles: defaults, partial files, refusals that name the key, the value and the range."""
import pytest

from cue_trainer.catalogue import CUE_IDS
from cue_trainer.profiles import ProfileError, default_profile, load_profile, parse_profile


def test_default_profile_covers_every_cue():
    p = default_profile()
    assert set(p.cues) == set(CUE_IDS)
    assert p.global_cooldown_s == 60.0  # at most one suggestion a minute (DESIGN.md)
    assert all(p.cues[c].cooldown_s >= p.global_cooldown_s for c in CUE_IDS if c != "out_of_view")


def test_a_partial_file_overrides_only_what_it_sets(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[timing]\ncalibration_s = 30\n\n[cues.slumped_posture]\nthreshold = 0.3\n")
    p = load_profile(path)
    assert p.calibration_s == 30.0
    assert p.cues["slumped_posture"].threshold == 0.3
    assert p.cues["slumped_posture"].min_duration_s == default_profile().cues["slumped_posture"].min_duration_s
    assert p.cues["head_down"] == default_profile().cues["head_down"]


def test_round_trip_through_toml(tmp_path):
    p = default_profile().with_cue("head_down", threshold=20.0, enabled=False)
    path = p.save(tmp_path / "p.toml", header="tuned on sessions 1, 2\nrule: best F1")
    text = path.read_text()
    assert text.startswith("# tuned on sessions 1, 2\n# rule: best F1\n")
    assert load_profile(path) == p


@pytest.mark.parametrize(
    "text, message",
    [
        # out of range: names key, value and range
        ("[cues.slumped_posture]\nthreshold = 7.0\n",
         r"cues\.slumped_posture\.threshold = 7\.0 is out of range; allowed 0\.05 to 2 shoulder widths\."),
        ("[cues.head_down]\nmin_duration_s = -1\n", r"cues\.head_down\.min_duration_s = -1 is out of range; allowed 0 to 600 s"),
        ("[timing]\ncalibration_s = 1\n", r"timing\.calibration_s = 1 is out of range; allowed 3 to 600 s"),
        ("[cues.looking_away]\nthreshold = nan\n", r"cues\.looking_away\.threshold = nan is out of range"),
        # wrong type
        ("[cues.head_down]\nthreshold = \"high\"\n", r"cues\.head_down\.threshold = 'high' is not a number"),
        ("[cues.head_down]\nenabled = 1\n", r"cues\.head_down\.enabled = 1 must be true or false"),
        # unknown names
        ("[cues.sad_face]\nthreshold = 1\n", r"cues\.sad_face is not a known cue"),
        ("[cues.head_down]\nthreshhold = 20\n", r"cues\.head_down\.threshhold is not a known setting"),
        ("[colours]\nred = 1\n", r"colours is not a known setting"),
        # not TOML at all
        ("threshold = = 2\n", r"is not valid TOML"),
        # Issue 21, item 14: an episode that would not end where the change does
        ("[cues.leaning_back]\nthreshold = 0.1\nhysteresis = 0.3\n",
         r"cues\.leaning_back\.hysteresis \(0\.3\) must be smaller than its threshold \(0\.1\)"),
    ],
)
def test_invalid_profiles_are_refused_with_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_a_hysteresis_larger_than_the_threshold_is_fine_for_a_cue_that_fires_below_it(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[cues.face_touching]\nthreshold = 0.05\nhysteresis = 0.2\n")  # ends above 0.25: fine
    assert load_profile(path).cues["face_touching"].hysteresis == 0.2


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match=r"There is no profile file at .*nope\.toml\."):
        load_profile(tmp_path / "nope.toml")


def test_changed_profile_is_validated_too():
    with pytest.raises(ProfileError, match=r"cues\.face_touching\.threshold = 9\.0 is out of range"):
        default_profile().with_cue("face_touching", threshold=9.0)


def test_parse_names_its_origin():
    with pytest.raises(ProfileError, match=r"^In session 4, cues\.x is not a known cue"):
        parse_profile("[cues.x]\n", origin="session 4")


def test_a_deeply_nested_profile_is_one_sentence_not_a_recursion_traceback(tmp_path):
    """Issue 21, item 9: 100,000 nested arrays."""
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ProfileError, match=r"nests arrays or tables too deeply to be a profile\."):
        load_profile(path)


def test_a_huge_profile_file_is_refused_unread(tmp_path):
    """Issue 21, item 14: a 200 MB file is not read whole (here 6 MB, over the 5 MB limit)."""
    from cue_trainer import MAX_USER_FILE_BYTES

    path = tmp_path / "huge.toml"
    with open(path, "wb") as f:
        f.truncate(MAX_USER_FILE_BYTES + 1_000_000)
    with pytest.raises(ProfileError, match=r"huge\.toml is 6 MB; a profile file is at most 5 MB, so this one is not read\."):
        load_profile(path)
