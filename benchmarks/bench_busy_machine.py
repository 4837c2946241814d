"""The speech codec on a busy machine: one 10 s utterance compressed and decompressed on 1 and 2
threads while a busy loop holds one core, under libgomp's default wait policy (torch imported
before ecc) and under the passive one ecc sets (ecc/_openmp.py). The policy is read when torch
loads, so each configuration runs in its own process; figures are wall-clock medians of 7 runs
(1 and 2 threads alternating).
It measures, it does not assert times. Run:
    python -m pytest benchmarks/bench_busy_machine.py -s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CHILD = r"""
import json, statistics, sys, time
{imports}
from ecc.audio import read_audio
from ecc.codec_cli import DEMO_CLIP
from ecc.model.weights import load_model
from ecc.speech_codec import SpeechCodec

clip = torch.from_numpy(read_audio(DEMO_CLIP))
wave = clip.repeat(160000 // len(clip) + 1)[:160000]
codec = SpeechCodec(load_model(), "cpu")
blob = codec.compress(wave, 2.0)
times = {{}}
for what, run in (("compress", lambda: codec.compress(wave, 2.0)), ("decompress", lambda: codec.decompress(blob))):
    for _ in range(7):  # the thread counts alternate, so both see the same load
        for threads in (1, 2):
            torch.set_num_threads(threads)
            start = time.perf_counter()
            run()
            times.setdefault(f"{{what}} {{threads}}", []).append(time.perf_counter() - start)
out = {{k: statistics.median(v) for k, v in times.items()}}
print(json.dumps(out))
"""

POLICIES = {"libgomp default": "import torch, ecc", "ecc (passive)": "import ecc, torch"}
ROWS: list[str] = []


@pytest.fixture(scope="module")
def busy_core():
    """A process spinning on one core for the module's tests."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    spinner.kill()
    spinner.wait()
    print("\n" + "\n".join(ROWS))


@pytest.mark.parametrize("policy", list(POLICIES) * 2)
def test_codec_on_a_busy_machine(busy_core, policy):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    result = subprocess.run([sys.executable, "-c", CHILD.format(imports=POLICIES[policy])], env=env,
                            capture_output=True, text=True, check=True, cwd=os.getcwd())
    t = json.loads(result.stdout.splitlines()[-1])
    for what in ("compress", "decompress"):
        one, two = t[f"{what} 1"], t[f"{what} 2"]
        ROWS.append(f"{policy:<16} {what:<10} 1 thread {one * 1e3:7.1f} ms   2 threads {two * 1e3:7.1f} ms   "
                    f"2 threads / 1 thread {two / one:5.2f}x")
