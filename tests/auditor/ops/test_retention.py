"""keep_runs: the newest N run directories stay; the run just written and latest's target are never removed,
nor anything that is not a run directory."""

from __future__ import annotations

from auditor.ops.retention import prune_runs, run_directories


def test_prune_keeps_newest_latest_target_and_other_files(tmp_path):
    names = ["20260101T030000Z", "20260102T030000Z", "20260102T030000Z-2", "20260102T030000Z-10", "20260103T030000Z"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text("{}")
    (tmp_path / "notes").mkdir()
    (tmp_path / ".20260104T030000Z.partial").mkdir()
    (tmp_path / "latest").symlink_to("20260101T030000Z")  # e.g. pointed back by hand at an older run
    assert [p.name for p in run_directories(tmp_path)] == [names[0], names[1], names[2], names[3], names[4]]
    removed = prune_runs(tmp_path, 1, tmp_path / "20260102T030000Z-2")
    assert sorted(p.name for p in removed) == ["20260102T030000Z", "20260102T030000Z-10"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".20260104T030000Z.partial", "20260101T030000Z", "20260102T030000Z-2", "20260103T030000Z",
                    "latest", "notes"]
    assert prune_runs(tmp_path, None, None) == []  # no keep_runs: keep everything
