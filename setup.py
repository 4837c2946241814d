"""Build of ecc and its one extension, ecc._C.

C++ sources are always built; CUDA sources (csrc/cuda/) are added when the installed torch
has CUDA and a CUDA toolkit is found. Switches (environment variables):
  ECC_FORCE_CPU=1   build without CUDA even where it is available
  ECC_FORCE_CUDA=1  fail unless the CUDA sources can be built
  ECC_DEBUG=1       -O0 -g with assertions
  ECC_SANITIZE=1    -fsanitize=address,undefined (run with LD_PRELOAD=$(gcc -print-file-name=libasan.so))
Build with `pip install --no-build-isolation .` so the build uses the installed torch.
"""

import glob
import os

import torch
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


setup(ext_modules=[_extension()], cmdclass={"build_ext": BuildExtension})
