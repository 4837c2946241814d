"""ecc.output_files: what the command line refuses to write, and atomic writes."""

import os
from pathlib import Path

import pytest

from ecc import output_files


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "in.wav").write_bytes(b"input")
    (tmp_path / "old.ecc").write_bytes(b"old")
    return tmp_path


def _refused(pairs, match, force=False):
    with pytest.raises(ValueError, match=match) as caught:
        output_files.check([(Path(a), Path(b)) for a, b in pairs], force)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("force", [False, True])
def test_an_output_that_is_an_input_is_refused_even_with_force(folder, force):
    src = folder / "in.wav"
    _refused([(src, src)], "is an input as well as an output", force)
    _refused([(src, folder / "sub" / ".." / "in.wav")], "is an input as well as an output", force)
    (folder / "sub").mkdir()
    _refused([(src, folder / "sub" / ".." / "in.wav")], "is an input as well as an output", force)
    (folder / "link.ecc").symlink_to(src)
    _refused([(src, folder / "link.ecc")], "is an input as well as an output", force)
    os.link(src, folder / "hard.ecc")
    _refused([(src, folder / "hard.ecc")], "is an input as well as an output", force)
    # another input's output: a folder run whose outputs land on one of its inputs
    (folder / "x.ecc").write_bytes(b"x")
    _refused([(folder / "x.ecc", folder / "x.wav"), (src, folder / "x.ecc")], "x.ecc is an input", force)


def test_inputs_sharing_an_output_are_listed(folder):
    out = folder / "coded" / "speech.ecc"
    pairs = [(folder / f"speech{s}", out) for s in (".flac", ".ogg", ".wav")] + [(folder / "a.wav", out.with_name("a.ecc"))]
    _refused(pairs, r"3 inputs would write the same output .*coded/speech\.ecc \(.*speech\.flac, .*speech\.ogg, "
             r".*speech\.wav\); rename the inputs", force=True)


def test_outputs_differing_in_case_are_one_where_the_file_system_ignores_case(folder, monkeypatch):
    pairs = [(folder / "a.wav", folder / "a.ecc"), (folder / "A.wav", folder / "A.ecc")]
    assert not output_files._ignores_case(folder)  # this test machine's tmp: case-sensitive
    output_files.check(pairs, force=False)
    monkeypatch.setattr(output_files, "_ignores_case", lambda path: True)
    _refused(pairs, r"2 inputs would write the same output .*a\.ecc \(.*a\.wav, .*A\.wav\)")
    assert not list(folder.glob(".ecc-*"))  # no probe left behind


def test_existing_outputs_need_force(folder):
    src, old = folder / "in.wav", folder / "old.ecc"
    _refused([(src, old)], r"old\.ecc already exists; pass -f/--force to replace")
    output_files.check([(src, old)], force=True)
    output_files.check([(src, folder / "new.ecc")], force=False)
    many = [(folder / f"{i}.wav", folder / f"{i}.ecc") for i in range(5)]
    for _, dst in many:
        dst.write_bytes(b"")
    _refused(many, r"0\.ecc, .*1\.ecc, .*2\.ecc and 2 more already exist; pass -f/--force")


def test_unwritable_destinations_are_named_with_the_reason(folder):
    src = folder / "in.wav"
    (folder / "dir.ecc").mkdir()
    _refused([(src, folder / "dir.ecc")], r"cannot write .*dir\.ecc: it is a folder", force=True)
    _refused([(src, folder / "in.wav" / "deeper" / "x.ecc")], r"cannot write .*in\.wav/deeper/x\.ecc: "
             r".*in\.wav is a file, not a folder")
    output_files.check([(src, folder / "new" / "deeper" / "x.ecc")], force=False)  # folders are created
    assert not (folder / "new").exists() and sorted(p.name for p in folder.iterdir()) == ["dir.ecc", "in.wav", "old.ecc"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_no_one_can_write_is_refused(folder):
    _refused([(folder / "in.wav", Path("/proc/ecc-test/x.wav"))], r"cannot write /proc/ecc-test/x\.wav: "
             r"cannot create files in /proc")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(folder):
    (folder / "ro").mkdir(mode=0o555)
    _refused([(folder / "in.wav", folder / "ro" / "x.ecc")], "Permission denied")


def test_writing_replaces_atomically_with_default_permissions(folder):
    old = folder / "old.ecc"
    with output_files.writing(old) as temporary:
        assert temporary.parent == folder and temporary.suffix == ".ecc" and temporary != old
        temporary.write_bytes(b"new")
        assert old.read_bytes() == b"old"
    assert old.read_bytes() == b"new"
    with output_files.writing(folder / "sub" / "made.ecc") as temporary:
        temporary.write_bytes(b"made")
    mask = os.umask(0)
    os.umask(mask)
    assert (folder / "sub" / "made.ecc").stat().st_mode & 0o777 == 0o666 & ~mask
    assert sorted(p.name for p in folder.rglob("*")) == ["in.wav", "made.ecc", "old.ecc", "sub"]


@pytest.mark.parametrize("error", [ValueError("bad"), KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_an_interrupted_or_failed_write_leaves_the_old_file_or_none(folder, error):
    for target in (folder / "old.ecc", folder / "new.ecc"):
        with pytest.raises(type(error)) as caught:
            with output_files.writing(target) as temporary:
                temporary.write_bytes(b"partial")
                raise error
        assert sorted(p.name for p in folder.iterdir()) == ["in.wav", "old.ecc"]
        assert (folder / "old.ecc").read_bytes() == b"old"
    if isinstance(error, OSError):
        assert str(caught.value) == f"[Errno 28] cannot write {target}: No space left on device"
