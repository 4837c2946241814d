"""Build of ecc and its one extension, ecc._C.

C++ sources are always built; CUDA sources (csrc/cuda/) are added when the installed torch
has CUDA and a CUDA toolkit is found. Switches (environment variables):
  ECC_FORCE_CPU=1   build without CUDA even where it is available
  ECC_FORCE_CUDA=1  fail unless the CUDA sources can be built
  ECC_DEBUG=1       -O0 -g with assertions (and an unstripped library)
  ECC_SANITIZE=1    -fsanitize=address,undefined (run with LD_PRELOAD=$(gcc -print-file-name=libasan.so))
Build with `pip install --no-build-isolation .`: the extension links against the torch of the
environment it installs into, so the wheel requires that torch's release (e.g. torch==2.13.*) and
ecc/_build_info.py records it for the check in `import ecc`.
"""

import glob
import os

try:
    import torch
except ImportError:
    # pip's default build isolation hides the installed torch (and would fetch another one).
    raise SystemExit(
        "ecc's extension must be compiled against the torch of the environment it installs into, "
        "and no torch is importable in this build environment. Install torch first (e.g. "
        "pip install torch==2.13.0), then build without isolation: pip install --no-build-isolation ."
    ) from None
from setuptools import setup
from torch.utils.cpp_extension import CUDA_HOME, BuildExtension, CppExtension, CUDAExtension


def _flag(name: str) -> bool:
    return os.environ.get(name, "0") == "1"


def _with_cuda() -> bool:
    available = torch.version.cuda is not None and CUDA_HOME is not None
    if _flag("ECC_FORCE_CPU"):
        return False
    if _flag("ECC_FORCE_CUDA") and not available:
        raise RuntimeError(
            "ECC_FORCE_CUDA=1 but the CUDA sources cannot be built: the installed torch "
            f"{torch.__version__} has CUDA {torch.version.cuda} and CUDA_HOME is {CUDA_HOME}"
        )
    return available


def _extension():
    with_cuda = _with_cuda()
    # csrc/cpu/simd/: one file per instruction set, each choosing its own target in the source.
    sources = ["csrc/ops.cpp", *sorted(glob.glob("csrc/cpu/*.cpp")), *sorted(glob.glob("csrc/cpu/simd/*.cpp"))]
    optimize = ["-O0", "-g"] if _flag("ECC_DEBUG") else ["-O3", "-DNDEBUG"]
    # Deterministic float math: no fused multiply-add unless written as fmaf.
    # -fopenmp: at::parallel_for is inlined into our code and runs serially without it.
    # No -std here: torch.utils.cpp_extension picks the standard torch itself was built with
    # (mixing them breaks inline c10 code at run time).
    cxx = ["-ffp-contract=off", "-fopenmp", *optimize]
    nvcc = ["-fmad=false", *optimize]
    link = ["-fopenmp"]
    if not (_flag("ECC_DEBUG") or _flag("ECC_SANITIZE")):
        link.append("-Wl,--strip-all")  # release: no symbol table or debug info (9.5 MB -> 0.2 MB)
    if _flag("ECC_SANITIZE"):
        cxx += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
        link += ["-fsanitize=address,undefined"]
    if not with_cuda:
        return CppExtension("ecc._C", sources, extra_compile_args={"cxx": cxx}, extra_link_args=link)
    sources += sorted(glob.glob("csrc/cuda/*.cu")) + sorted(glob.glob("csrc/cuda/*.cpp"))
    return CUDAExtension(
        "ecc._C",
        sources,
        define_macros=[("ECC_WITH_CUDA", None)],
        extra_compile_args={"cxx": cxx, "nvcc": nvcc},
        extra_link_args=link,
    )


def _torch_requirement() -> str:
    """The torch release line this build links against (its C++ ABI changes between releases)."""
    major, minor = torch.__version__.split(".")[:2]
    return f"torch=={major}.{minor}.*"


def _write_build_info() -> None:
    """ecc/_build_info.py (not in git): the torch version that `import ecc` checks against."""
    with open("ecc/_build_info.py", "w") as f:
        f.write("# Written by setup.py: the torch that ecc._C was built against.\n")
        f.write(f'TORCH_VERSION = "{torch.__version__}"\n')


_write_build_info()
setup(
    # soundfile/soxr read and resample audio for the codec's CLI; tqdm draws its progress bars.
    install_requires=[_torch_requirement(), "numpy", "soundfile", "soxr", "tqdm", "tomli; python_version < '3.11'"],
    ext_modules=[_extension()],
    cmdclass={"build_ext": BuildExtension},
)
