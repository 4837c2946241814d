"""The ecc command line: coder-demo and bench run, check their round trips and print their tables."""

import subprocess
import sys


def run_ecc(*args):
    return subprocess.run([sys.executable, "-m", "ecc", *args], capture_output=True, text=True, timeout=300)


def test_demo_round_trips_and_reports():
    result = run_ecc("coder-demo", "--symbols", "20000", "--streams", "2", "--repeat", "1")
    assert result.returncode == 0, result.stderr
    assert "round trip  exact" in result.stdout and "bits/symbol" in result.stdout and "Msym/s" in result.stdout


def test_bench_prints_every_coder_with_ratios():
    result = run_ecc("bench", "--sizes", "3000", "--skip", "both", "--repeat", "1", "--quiet", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for coder in ("ecc compressai", "ecc interleaved", "python reference"):
        assert sum(line.startswith(coder) for line in lines) == 2, coder  # skip off and on
    assert any(line.startswith("coder") and "vs compressai" in line for line in lines)


def test_bench_kernel_only_times_the_padded_ops_on_the_cpu():
    result = run_ecc("bench", "--kernel-only", "--sizes", "3000", "--streams", "3", "--skip", "both", "--repeat", "2",
                     "--device", "cpu")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for coder in ("ecc compressai kernels", "ecc interleaved kernels"):
        rows = [line for line in lines if line.startswith(coder)]
        assert len(rows) == 2 and all(" 3,000 " in row for row in rows), coder  # skip off and on
    assert "in 3 stream(s)" in result.stderr


def test_user_errors_exit_nonzero_with_one_line():
    result = run_ecc("coder-demo", "--symbols", "10", "--device", "nonsense")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
