"""OpenMP threads that sleep while they wait: ``OMP_WAIT_POLICY=PASSIVE`` unless the user set it.

torch's CPU ops (and ecc's) run in OpenMP parallel regions. With libgomp's default policy a thread
that waits spins first; on a machine whose cores other processes also use, the spinning threads
take the cores from the ones with work, and each region waits for preempted threads. Measured on a
busy 2-core machine (benchmarks/RESULTS.md): the codec on 2 threads ran 1.5-40x slower than on 1
with the default policy, and as fast as on 1 with the passive one.

libgomp reads the policy once, when torch loads it, so this works only when ecc is imported before
torch (the ``ecc`` command, ``python -m ecc``, scripts that import ecc first). Otherwise set
``OMP_WAIT_POLICY=PASSIVE`` in the environment, or use one thread (``torch.set_num_threads(1)``).
``OMP_WAIT_POLICY=ACTIVE`` keeps spinning threads (a dedicated machine, many short regions).
"""

from __future__ import annotations

import os
import sys


def prefer_passive_waiting() -> bool:
    """Sets OMP_WAIT_POLICY=PASSIVE if it is unset and torch is not loaded yet.

    Returns:
        True when this call set it.
    """
    if "OMP_WAIT_POLICY" in os.environ or "torch" in sys.modules:
        return False
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    return True
