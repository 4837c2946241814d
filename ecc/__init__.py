"""ecc: the ECC learned speech codec and fast, byte-exact rANS entropy coding for PyTorch.

Paper: "Benchmarking Neural Speech Compression from a Rate-Distortion Perspective"
(Jun Xu, Zhengxue Cheng et al., arXiv 2606.11631).
"""

from ._openmp import prefer_passive_waiting

prefer_passive_waiting()  # before torch loads OpenMP (ecc/_openmp.py)

from . import ops  # noqa: E402

__version__ = "0.1.0"
__all__ = ["ops", "__version__"]
