"""ecc: the ECC learned speech codec and fast, byte-exact rANS entropy coding for PyTorch.

Paper: "Benchmarking Neural Speech Compression from a Rate-Distortion Perspective"
(Jun Xu, Zhengxue Cheng et al., arXiv 2606.11631).
"""

from ._openmp import prefer_passive_waiting

prefer_passive_waiting()  # before torch loads OpenMP (ecc/_openmp.py)

import torch  # noqa: E402

try:
    from ._build_info import TORCH_VERSION as _BUILT_WITH_TORCH
except ModuleNotFoundError:
    raise ImportError(
        "ecc's extension is not built in this tree: install ecc with `pip install --no-build-isolation .`, "
        "or in a checkout run `python setup.py build_ext --inplace`"
    ) from None


def _check_torch(built: str, installed: str) -> None:
    """Raise ImportError unless torch ``installed`` is of the release ``built`` (e.g. "2.13.0+cpu"):
    ecc._C links against that torch's C++ library, whose ABI changes between releases."""
    release = ".".join(built.split(".")[:2])
    if ".".join(installed.split(".")[:2]) != release:
        raise ImportError(
            f"ecc was built against torch {built}, but torch {installed} is installed. Install "
            f"torch=={release}.* or rebuild ecc against this torch (pip install --no-build-isolation "
            "--force-reinstall --no-deps . from ecc's source)."
        )


_check_torch(_BUILT_WITH_TORCH, torch.__version__)

from . import ops  # noqa: E402  (loads ecc._C, which needs the torch checked above)

__version__ = "0.1.0"
__all__ = ["ops", "__version__"]
