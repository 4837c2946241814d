"""Packaging: the sdist is complete, the wheel built from it works and is stripped, the torch
pin and the import-time torch check hold, and an isolated build stops with the fix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import torch

import ecc

ROOT = Path(__file__).resolve().parents[1]
TORCH_PIN = "torch==" + ".".join(torch.__version__.split(".")[:2]) + ".*"


def _tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in out.splitlines() if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    """The sdist of a copy of the tracked files (so that the build writes nothing here)."""
    tmp = tmp_path_factory.mktemp("sdist")
    for name in _tracked_files():
        (tmp / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp / "src" / name)
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(tmp / "dist")], cwd=tmp / "src",
                   capture_output=True, check=True)
    (archive,) = (tmp / "dist").glob("ecc-*.tar.gz")
    return archive


def _sdist_members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}


def test_sdist_holds_every_source(sdist):
    members = _sdist_members(sdist)
    tracked = _tracked_files()
    needed = [n for n in tracked if n.startswith(("csrc/", "LICENSES/", "ecc/"))]
    needed += ["README.md", "pyproject.toml", "setup.py", "MANIFEST.in"]
    assert "ecc/weights/ecc-default.pt" in needed and "ecc/assets/demo.wav" in needed
    assert [n for n in needed if n not in members] == []
    assert not any(n.endswith((".so", ".o", ".pyc")) or n == "ecc/_build_info.py" for n in members)


def test_sdist_requires_the_torch_release_it_was_made_with(sdist):
    with tarfile.open(sdist) as tar:
        meta = Parser().parsestr(tar.extractfile(f"{sdist.name[:-len('.tar.gz')]}/PKG-INFO").read().decode())
    assert TORCH_PIN in meta.get_all("Requires-Dist")


def test_setup_without_torch_says_build_without_isolation():
    """What pip's default isolated build meets: setup.py cannot import the installed torch."""
    code = "import runpy, sys; sys.modules['torch'] = None; runpy.run_path('setup.py')"
    run = subprocess.run([sys.executable, "-c", code, "egg_info"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert "pip install --no-build-isolation ." in run.stderr


def test_import_names_both_torch_versions_when_they_differ():
    code = ("import sys, types; info = types.ModuleType('ecc._build_info'); info.TORCH_VERSION = '1.0.0+cpu'; "
            "sys.modules['ecc._build_info'] = info; import ecc")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert f"built against torch 1.0.0+cpu, but torch {torch.__version__} is installed" in run.stderr
    assert "torch==1.0.*" in run.stderr


def test_torch_check_accepts_another_patch_release():
    ecc._check_torch("2.13.0+cpu", "2.13.1+cu130")
    with pytest.raises(ImportError, match="torch 2.12.1"):
        ecc._check_torch("2.13.0+cpu", "2.12.1")


def test_ci_runs_the_readme_test_command():
    (ci,) = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("apt-get update")]
    assert f"\n{ci}\n" in (ROOT / "README.md").read_text()


def _has_symbol_table(library: Path) -> bool:
    sections = subprocess.run(["readelf", "--section-headers", str(library)], capture_output=True, text=True,
                              check=True).stdout
    return ".symtab" in sections


@pytest.mark.slow
def test_wheel_from_sdist_installs_and_runs(sdist, tmp_path):
    """Builds the wheel from the sdist as a user would (no isolation) and runs it from a venv."""
    env = {**os.environ, "MAX_JOBS": os.environ.get("MAX_JOBS", "2")}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-cache-dir",
                    "-w", str(tmp_path / "wheels"), str(sdist)], env=env, capture_output=True, check=True)
    (wheel,) = (tmp_path / "wheels").glob("ecc-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (library,) = [n for n in names if n.startswith("ecc/_C.") and n.endswith(".so")]
        z.extract(library, tmp_path)
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(z.read(metadata).decode()).get_all("Requires-Dist")
    assert {"ecc/_build_info.py", "ecc/weights/ecc-default.pt", "ecc/assets/demo.wav"} <= set(names)
    assert TORCH_PIN in requires
    assert not _has_symbol_table(tmp_path / library)

    venv.create(tmp_path / "venv", system_site_packages=True, with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], capture_output=True,
                   check=True)
    code = ("import torch, ecc; from ecc.coding import default_scale_table; "
            "t = ecc.ops.gaussian_cdf_table(default_scale_table()); s = torch.randint(-3, 4, (2, 100), dtype=torch.int32); "
            "i = torch.full_like(s, 10); d, n = ecc.ops.rans_encode(s, i, *t); "
            "assert torch.equal(ecc.ops.rans_decode(d, n, i, *t), s); print(ecc.__file__)")
    run = subprocess.run([python, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stdout.strip().startswith(str(tmp_path / "venv"))
