"""Hand labels: tier files and CSVs into Label records; refusals name the line."""
import pytest

from cue_trainer import InputError
from cue_trainer.labels import MAX_LABELS, read_labels
from cue_trainer.recording import Recording
from cue_trainer.review import write_tiers
from cue_trainer.store import SessionStore
from tests.processes import one_sentence, run_script


@pytest.mark.slow
def test_labels_round_trip_through_the_review_tier_file(stored, tmp_path):
    store = SessionStore(stored("moves_down", into=tmp_path / "home"))
    sid = 1
    path = write_tiers(Recording.load(store, sid), tmp_path / "tiers.tsv")
    ran = run_script("pipelines/import_labels.py", "--home", str(store.home), str(sid), str(path))
    assert ran.returncode == 0, ran.stderr
    labels, events = store.labels(sid), store.events(sid)
    assert [x.cue for x in labels] == [e.cue for e in events]
    assert [(x.start_s, x.end_s) for x in labels] == [
        (pytest.approx(e.start_s, abs=1e-3), pytest.approx(e.end_s, abs=1e-3)) for e in events
    ]  # the tier file keeps milliseconds
    assert {x.source for x in labels} == {str(path)}


@pytest.mark.parametrize(
    "content, message",
    [
        ("cue,start_s,end_s\nsadness,1,2\n", r"line 2: 'sadness' is not a cue this program knows"),
        ("cue,start_s,end_s\nhead_down,5,x\n", r"line 2: the times '5' and 'x' are not numbers"),
        ("cue,start_s,end_s\nhead_down,5,2\n", r"line 2: an episode must start at or after 0 s and end after"),
        ("a,b\n1,2\n", r"has neither tier columns"),
        ("tier\tbegin\tend\tannotation\npractitioner marks\t1\t1\tx\n", r"holds no cue labels"),
        # Issue 21, item 14: overlapping episodes of one cue are refused, naming the lines; huge lines too.
        ("cue,start_s,end_s\nhead_down,5,9\nleaning_back,6,7\nhead_down,8,12\n",
         r"lines 2 and 4: two head_down episodes overlap \(5–9 s and 8–12 s\); make them one episode"),
        ("cue" + "x" * 200_000 + ",start_s\n", r"has a line longer than 100,000 characters; it is not a tier"),
        ("cue,start_s,end_s\nhead_down,1," + "9" * 200_000 + "\n", r"has a line longer than 131,072 characters"),
    ],
)
def test_bad_label_files_are_one_sentence(tmp_path, content, message):
    """Each bad file is one sentence naming what is wrong (and where)."""
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_labels(path)


def test_label_names_can_be_ids_short_or_long_labels(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("tier\tbegin\tend\tannotation\ncue: Sitting lower\t1\t2\t\nlabel: head_down\t3\t4\t\n"
                    "labels\t5\t6\tLeaning back or lying down\n")
    assert [(x.cue, x.start_s, x.end_s) for x in read_labels(path)] == [
        ("slumped_posture", 1.0, 2.0), ("head_down", 3.0, 4.0), ("leaning_back", 5.0, 6.0)
    ]


def test_import_labels_with_a_huge_session_id(home, tmp_path):
    labels = tmp_path / "l.csv"
    labels.write_text("cue,start_s,end_s\nhead_down,1,2\n")
    one_sentence(run_script("pipelines/import_labels.py", str(2**63), str(labels), "--home", str(home)),
                 r"there is no session")


def test_labels_past_the_sessions_end_are_refused_naming_the_line(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("cue,start_s,end_s\nhead_down,1,2\nhead_down,120,130\n")
    with pytest.raises(InputError, match=r"line 3: the episode starts at 120 s, after the session's end \(16\.0 s\)"):
        read_labels(path, session_end_s=16.0)


def test_a_huge_label_file_is_capped_in_one_sentence(tmp_path):
    path = tmp_path / "many.csv"
    with open(path, "w") as f:
        f.write("cue,start_s,end_s\n")
        f.writelines(f"head_down,{i},{i + 1}\n" for i in range(MAX_LABELS + 5))
    with pytest.raises(InputError, match=r"holds more than 100,000 labels; split it"):
        read_labels(path)
