#!/usr/bin/env bash
# One call on a lent GPU machine (see docs/development.md): build ecc with CUDA in place, run the
# whole test suite (CUDA tests included) and the coder benchmarks, logs under $OUT (or ./gpu-out).
# Optional wheels for packages the machine lacks (compressai) are installed from .whl/ if present.
set -uo pipefail
out=${OUT:-gpu-out}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/device.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$out/device.txt"
# The lent machines' default g++ (/opt/gcc) links libstdc++ statically into the extension; two
# libstdc++ copies in one process crash when an error message formats an integer. Use the
# system compiler, which links it dynamically like torch.
[ -x /usr/bin/g++ ] && export CXX=/usr/bin/g++
TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16 ECC_FORCE_CUDA=1 python3 setup.py build_ext --inplace >"$out/build.log" 2>&1 \
  || { tail -40 "$out/build.log"; exit 1; }
python3 -c "import ecc; print('ecc cuda_version', ecc.ops.cuda_version())" | tee -a "$out/device.txt"
ldd ecc/_C*.so | grep -E "stdc|gomp" | tee -a "$out/device.txt"
python3 -m pytest -ra -q tests "$@" 2>&1 | tee "$out/tests.log" | tail -25
python3 -m pytest -q benchmarks/bench_rans_compressai.py -k "cuda or (1000000 and not reference)" \
  --benchmark-columns=median,rounds 2>&1 | tee "$out/bench.log" | grep -A60 "benchmark summary"
python3 -m pytest -q benchmarks/bench_entropy_path.py --benchmark-columns=median,rounds 2>&1 \
  | tee "$out/bench_entropy.log" | grep -E "^test_|passed|failed"
python3 -m ecc bench --sizes 1e4,1e5,1e6,1e7,6.4e7 --device cuda --coders ecc --repeat 5 --quiet 2>&1 | tee "$out/ecc_bench_cuda.txt"
