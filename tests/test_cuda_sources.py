"""Every CUDA source compiles for Hopper with nvcc, also on machines without a GPU."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CUDA_SOURCES = sorted((ROOT / "csrc" / "cuda").glob("*.cu"))


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
@pytest.mark.parametrize("source", CUDA_SOURCES, ids=[p.name for p in CUDA_SOURCES])
def test_cuda_source_compiles_for_sm90(source, tmp_path):
    cmd = ["nvcc", "-arch=sm_90", "-std=c++17", "-fmad=false", "-O3", "-c", str(source), "-o", str(tmp_path / "out.o")]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stderr}"


def test_cuda_sources_exist():
    assert CUDA_SOURCES, "csrc/cuda/ has no .cu files"
