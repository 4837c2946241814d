"""ecc makes OpenMP threads wait passively unless the user chose a policy or torch loaded first."""

import os
import subprocess
import sys

import pytest


def policy_after(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code + "; import os; print(os.environ.get('OMP_WAIT_POLICY'))"],
                         env={**clean, **env}, capture_output=True, text=True, check=True)
    return out.stdout.split()[-1]


@pytest.mark.parametrize("code,env,expected", [
    ("import ecc", {}, "PASSIVE"),
    ("import ecc", {"OMP_WAIT_POLICY": "ACTIVE"}, "ACTIVE"),
    ("import torch, ecc", {}, "None"),  # too late: libgomp has read its settings
])
def test_wait_policy(code, env, expected):
    assert policy_after(code, **env) == expected
