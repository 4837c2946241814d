// Portability macros for the header-only kernel core in csrc/common/.
// Everything in this folder is compiled by both g++ (CPU kernels) and nvcc (CUDA
// kernels) and includes no torch headers.
#pragma once

#if defined(__CUDACC__)
#define ECC_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define ECC_HOST_DEVICE inline
#endif
