// ECC_CUDA_VERSION: the CUDA runtime version the extension was built against, 0 without CUDA.
#pragma once

#if defined(ECC_WITH_CUDA)
#include <cuda_runtime_api.h>
#define ECC_CUDA_VERSION CUDART_VERSION
#else
#define ECC_CUDA_VERSION 0
#endif
