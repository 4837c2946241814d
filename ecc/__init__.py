"""ecc: the ECC learned speech codec and fast, byte-exact rANS entropy coding for PyTorch.

Paper: "Benchmarking Neural Speech Compression from a Rate-Distortion Perspective"
(Jun Xu, Zhengxue Cheng et al., arXiv 2606.11631).
"""

from . import ops

__version__ = "0.1.0"
__all__ = ["ops", "__version__"]
