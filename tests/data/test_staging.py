"""The gate's staging area: owner-only, atomic metadata, locks, cleaning what a crash left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from segprofile.data import staging
from segprofile.errors import ConflictError, NotFound

AREA = "study-1-20261206T100000"
HOURS = 24.0


def _stage(root: Path, content: bytes = b"a;b\n1;2\n", name: str = "выгрузка.csv") -> str:
    with staging.create(root, AREA, name=name, meta={"kind": "data"}) as upload:
        staging.write(upload, [content[:3], content[3:]])
        staging.save(upload)
    return upload.token


def _age(upload_dir: Path, hours: float) -> None:
    """Make an upload look ``hours`` old (its metadata's time and the folder's)."""
    meta_path = upload_dir / staging.META
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["created"] -= hours * 3600
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    then = time.time() - hours * 3600
    for path in [upload_dir, *upload_dir.iterdir()]:
        os.utime(path, (then, then))


def test_uploads_are_owner_only_and_listed_once_complete(tmp_path: Path) -> None:
    root = tmp_path / "home-staging"
    token = _stage(root)
    upload = staging.get(root, AREA, token)
    assert upload.path.read_bytes() == b"a;b\n1;2\n"
    assert (upload.name, upload.meta["size"], upload.state) == ("выгрузка.csv", 8, "staged")
    for path in (
        root,
        root / "uploads",
        root / "incoming",
        upload.directory.parent,
        upload.directory,
    ):
        assert path.stat().st_mode & 0o777 == 0o700, path
    for path in upload.directory.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert [u.token for u in staging.listing(root, AREA, hours=HOURS)] == [token]


def test_a_root_made_by_hand_is_narrowed_to_the_owner(tmp_path: Path) -> None:
    root = tmp_path / "staging"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    staging.prepare(root)
    assert root.stat().st_mode & 0o777 == 0o700


def test_a_failing_block_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "s"

    def failing() -> None:
        with staging.create(root, AREA, name="a.csv", meta={}) as upload:
            staging.write(upload, [b"raw"])
            raise RuntimeError("the inspection failed")

    with pytest.raises(RuntimeError):
        failing()
    assert list((root / "uploads" / AREA).iterdir()) == []


def test_names_cannot_leave_the_upload_folder(tmp_path: Path) -> None:
    root = tmp_path / "s"
    for name in ("../../x.csv", "/etc/passwd", "..", ".hidden.csv", "a\x00b.csv", "C:\\x.csv"):
        token = _stage(root, name=name)
        upload = staging.get(root, AREA, token)
        assert upload.path.parent == upload.directory
        assert not upload.name.startswith(".")
    with pytest.raises(NotFound):
        staging.get(root, AREA, "../../etc")
    with pytest.raises(ValueError, match="area"):
        staging.listing(root, "../other", hours=HOURS)


def test_damaged_metadata_is_listed_as_broken_never_raises(tmp_path: Path) -> None:
    root = tmp_path / "s"
    token = _stage(root)
    directory = root / "uploads" / AREA / token
    for damage in ("{not json", json.dumps(["a list"]), json.dumps({"token": "other"}), ""):
        (directory / staging.META).write_text(damage, encoding="utf-8")
        [listed] = staging.listing(root, AREA, hours=HOURS)
        assert listed.broken == "unreadable"
        assert staging.get(root, AREA, token).broken == "unreadable"
    # A half-staged upload (killed before its metadata was written) is listed as broken once
    # it can no longer be arriving; before that it is not listed at all.
    (directory / staging.META).unlink()
    assert staging.listing(root, AREA, hours=HOURS) == []
    _age(directory, 0.1)
    assert [u.broken for u in staging.listing(root, AREA, hours=HOURS)] == ["unfinished"]
    assert staging.discard(root, AREA, token) is True
    assert staging.listing(root, AREA, hours=HOURS) == []


def test_one_process_at_a_time_works_on_an_upload(tmp_path: Path) -> None:
    root = tmp_path / "s"
    upload = staging.get(root, AREA, _stage(root))
    with (
        staging.hold(upload),
        pytest.raises(ConflictError, match="обрабатывается"),
        staging.hold(upload),
    ):
        pass
    with staging.hold(upload):  # free again
        pass
    staging.discard(root, AREA, upload.token)
    with pytest.raises(NotFound), staging.hold(upload):
        pass


def test_clean_removes_expired_and_interrupted_uploads_and_leaves_the_rest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "s"
    waiting = _stage(root)
    expired = _stage(root)
    _age(root / "uploads" / AREA / expired, HOURS + 1)
    importing = staging.get(root, AREA, _stage(root))
    importing.meta["state"] = staging.IMPORTING
    staging.save(importing)  # a crash in the middle of its import
    half = root / "uploads" / AREA / ("0" * 32)
    half.mkdir(mode=0o700)
    (half / "raw.csv").write_bytes(b"raw")  # killed before the metadata
    _age(half, 0.1)
    busy = staging.get(root, AREA, _stage(root))
    busy.meta["state"] = staging.IMPORTING
    staging.save(busy)
    orphan = root / "incoming" / "tmp1234.upload.csv"
    orphan.write_bytes(b"raw bytes of an upload that stopped arriving")
    arriving = root / "incoming" / "tmp5678.upload.csv"
    with arriving.open("wb") as handle, staging.hold(busy):
        staging.lock_file(handle)  # another request is still receiving this one
        cleaned = staging.clean(root, hours=HOURS)
        assert arriving.exists()
    assert (cleaned.expired, cleaned.interrupted, cleaned.incoming) == (1, 2, 1)
    left = {p.name for p in (root / "uploads" / AREA).iterdir()}
    assert left == {waiting, busy.token}
    assert not orphan.exists()


def test_clean_skips_what_another_process_holds(tmp_path: Path) -> None:
    """The lock belongs to the process: another one (a second gunicorn worker) sees it."""
    root = tmp_path / "s"
    upload = staging.get(root, AREA, _stage(root))
    upload.meta["state"] = staging.IMPORTING
    staging.save(upload)
    script = (
        "import sys, time\n"
        "from segprofile.data import staging\n"
        f"u = staging.get({str(root)!r}, {AREA!r}, {upload.token!r})\n"
        "with staging.hold(u):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"held"
        assert staging.clean(root, hours=HOURS).interrupted == 0
        assert upload.directory.exists()
    finally:
        holder.communicate(b"\n", timeout=30)
    # The holder ended (as a killed one would): its upload is now an interrupted one.
    assert staging.clean(root, hours=HOURS).interrupted == 1
    assert not upload.directory.exists()


def test_kept_originals_live_apart_and_never_expire(tmp_path: Path) -> None:
    root = tmp_path / "s"
    upload = staging.get(root, AREA, _stage(root))
    with staging.hold(upload):
        kept = staging.keep_original(upload, root, source_id="records", version=3)
    assert not upload.directory.exists()
    assert kept.directory.parent == root / "originals" / AREA
    assert kept.path.read_bytes() == b"a;b\n1;2\n"
    assert kept.path.stat().st_mode & 0o777 == 0o600
    _age(kept.directory, HOURS * 10)
    assert staging.clean(root, hours=HOURS).total == 0
    [listed] = staging.originals(root, AREA)
    assert (listed.meta["version"], listed.state) == (3, staging.KEPT)
    assert staging.listing(root, AREA, hours=HOURS) == []
    assert staging.delete_original(root, AREA, kept.token) is True
    assert staging.originals(root, AREA) == []


def test_discarding_an_area_removes_uploads_and_originals(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _stage(root)
    upload = staging.get(root, AREA, _stage(root))
    staging.keep_original(upload, root)
    staging.discard_area(root, AREA)
    assert not (root / "uploads" / AREA).exists()
    assert not (root / "originals" / AREA).exists()


def test_clean_of_a_missing_root_does_nothing(tmp_path: Path) -> None:
    assert staging.clean(tmp_path / "never-made", hours=HOURS).total == 0
    assert not (tmp_path / "never-made").exists()


def test_a_reads_work_folder_is_private_and_goes_even_after_a_kill(tmp_path: Path) -> None:
    root = tmp_path / "s"
    with staging.work_dir(root) as work:
        (work / "converted.csv").write_bytes(b"raw, converted to UTF-8")
        assert work.parent == root / "work"
        assert work.stat().st_mode & 0o777 == 0o700
        _age(work, 1)
        assert staging.clean(root, hours=HOURS).incoming == 0  # in use: left alone
        assert work.exists()
    assert not work.exists()
    dead = root / "work" / "read-killed"  # a process killed half way through a read
    dead.mkdir()
    (dead / "spill.tmp").write_bytes(b"raw")
    _age(dead, 1)
    assert staging.clean(root, hours=HOURS).incoming == 1
    assert not dead.exists()


def test_an_upload_still_arriving_is_not_listed_as_damaged(tmp_path: Path) -> None:
    """A large file inspected for minutes has no metadata yet: locked, it is not «damaged»."""
    root = tmp_path / "s"
    with staging.create(root, AREA, name="big.csv", meta={}) as upload:
        staging.write(upload, [b"raw"])
        _age(upload.directory, 1)
        assert staging.listing(root, AREA, hours=HOURS) == []
        assert staging.clean(root, hours=HOURS).total == 0
        staging.save(upload)
    assert [u.token for u in staging.listing(root, AREA, hours=HOURS)] == [upload.token]
