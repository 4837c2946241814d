#!/usr/bin/env bash
# One call on a lent GPU machine (docs/development.md, "On a lent GPU"), sized for 8 minutes on an
# H100/H200: build ecc with CUDA in place (TORCH_CUDA_ARCH_LIST=9.0), then, each step under its own
# `timeout` inside one overall budget (BUDGET_S, default 470 s):
#   tests      the CUDA tests and the coder tests (FULL=1: the whole suite)
#   kernels    ecc bench --kernel-only (CUDA events, padded ops) up to 64e6 symbols
#   e2e        ecc bench end to end (flat ops, host syncs included) up to 64e6 symbols
#   codec      benchmarks/codec_on_device.py: SpeechCodec on CUDA, CPU<->CUDA files, x real time
#   memcheck   compute-sanitizer memcheck on benchmarks/kernels_once.py (every coding kernel once)
#   racecheck  compute-sanitizer racecheck on the same, interleaved kernels only
#   kernels_*  the kernels again with the tables in global memory (ECC_CUDA_TABLES=global), and
#              both formats as 4096 streams
#   profile    nsys, else ncu, on the hot kernels (interleaved encode / decode), with a summary
#   train      benchmarks/gpu_train.sh for the budget left, when its corpus travelled along
# The most wanted first: when the budget runs out, the later steps are skipped.
# Output in $OUT (or ./gpu-out), at most 8 files (what a lent machine sends back): summary.txt (each
# step's status, time and key lines), logs.tar.gz (every log) and profile.txt.
# Wheels for packages the machine lacks (compressai) are installed from .whl/ if present.
# DRY_RUN=1 runs every step that needs no GPU tool on the CPU (no build, device cpu), to check
# the script itself.
set -uo pipefail
out=${OUT:-gpu-out}
logs=$(mktemp -d)
summary="$out/summary.txt"
budget=${BUDGET_S:-470}
start_all=$SECONDS
dry=${DRY_RUN:-0}
device=cuda
[ "$dry" = 1 ] && device=cpu
mkdir -p "$out"
: >"$summary"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-8}

note() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - (SECONDS - start_all))); }

# step NAME LIMIT_S COMMAND...: runs COMMAND under timeout (the smaller of LIMIT_S and the budget
# left), its output in $logs/NAME.log; one summary line with its exit status and seconds.
step() {
  local name=$1 limit=$2
  shift 2
  local remaining
  remaining=$(left)
  if [ "$remaining" -lt 10 ]; then
    note "== $name: SKIPPED (budget spent)"
    return 1
  fi
  [ "$limit" -gt "$remaining" ] && limit=$remaining
  local t0=$SECONDS rc
  timeout --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1
  rc=$?
  local verdict=ok
  [ $rc -ne 0 ] && verdict="FAILED (exit $rc)"
  [ $rc -eq 124 ] && verdict="TIMED OUT after ${limit} s"
  note "== $name: $verdict in $((SECONDS - t0)) s: $*"
  return $rc
}

# Key lines of a step's log into the summary.
keep() { grep -E "$2" "$logs/$1.log" 2>/dev/null | tail -n "${3:-40}" | sed 's/^/   /' >>"$summary"; }

finish() {
  note "== total $((SECONDS - start_all)) s of a $budget s budget"
  tar -czf "$out/logs.tar.gz" -C "$logs" . && rm -rf "$logs"
  exit "${1:-0}"
}

if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
if [ "$dry" != 1 ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv >>"$summary"
  # The lent machines' default g++ (/opt/gcc) links libstdc++ statically into the extension; two
  # libstdc++ copies in one process crash when an error message formats an integer. Use the
  # system compiler, which links it dynamically like torch.
  [ -x /usr/bin/g++ ] && export CXX=/usr/bin/g++
  step build 300 env TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16 ECC_FORCE_CUDA=1 python3 setup.py build_ext --inplace \
    || { tail -40 "$logs/build.log" | tee -a "$summary"; finish 1; }
  ldd ecc/_C*.so | grep -E "stdc|gomp" >>"$summary"
fi
python3 -c "import torch, ecc; print('torch', torch.__version__, 'cuda', torch.version.cuda,
                                    '| ecc cuda_version', ecc.ops.cuda_version())" | tee -a "$summary"

# 1. Tests.
if [ "${FULL:-0}" = 1 ]; then
  step tests 240 python3 -m pytest -ra -q -p no:cacheprovider tests
else
  step tests 120 python3 -m pytest -ra -q -p no:cacheprovider tests/test_cuda.py tests/test_prepared_zero_sync.py \
    tests/test_rans_interleaved.py tests/test_rans_compressai.py tests/test_opcheck.py
fi
keep tests "passed|failed|error|FAILED|ERROR|SKIPPED" 30

# 2. Benchmarks: the kernels alone (CUDA events), then end to end. The `compressai` format is one
# thread per stream, so one stream of 64e6 would take minutes: it runs as 4096 streams only.
big=6.4e7
[ "$dry" = 1 ] && big=2e4
step kernels 90 python3 -m ecc bench --kernel-only --device "$device" --sizes "1e4,1e5,1e6,$big" --streams 1 \
  --coders "ecc interleaved" --repeat 10 --quiet
keep kernels "^(coder|ecc|---)" 20
step e2e 60 python3 -m ecc bench --device "$device" --sizes "1e6,$big" --coders "ecc interleaved" --repeat 5 --quiet
keep e2e "^(coder|ecc|---)" 20

# 3. The speech codec on the device.
if [ "$dry" = 1 ]; then
  step codec 120 python3 benchmarks/codec_on_device.py --device cpu --batch 2 --seconds 1 --repeat 1
else
  step codec 90 python3 benchmarks/codec_on_device.py --device cuda --batch 64 --seconds 3
fi
keep codec "^(ok|FAILED|info|batch)|codec_on_device" 12

# 4. compute-sanitizer on every coding kernel once. The caching allocator is off, so each tensor
# is its own allocation and an access past it is caught.
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
if [ "$dry" = 1 ]; then
  step kernels_once 60 python3 benchmarks/kernels_once.py --device cpu
  keep kernels_once "^(ok|FAILED)|kernels_once" 5
elif [ -n "$sanitizer" ]; then
  step memcheck 90 env PYTORCH_NO_CUDA_MEMORY_CACHING=1 "$sanitizer" --tool memcheck --error-exitcode 9 \
    python3 benchmarks/kernels_once.py --device cuda
  keep memcheck "ERROR SUMMARY|FAILED|kernels_once|Invalid" 10
  step racecheck 60 "$sanitizer" --tool racecheck --error-exitcode 9 \
    python3 benchmarks/kernels_once.py --device cuda --formats interleaved
  keep racecheck "ERROR SUMMARY|RACECHECK SUMMARY|hazard|FAILED|kernels_once" 10
else
  note "== memcheck, racecheck: SKIPPED (no compute-sanitizer)"
fi

# 5. More kernel timings: 64e6 with the tables forced into global memory (what shared memory
# gives), and both formats as 4096 streams.
step kernels_global 60 env ECC_CUDA_TABLES=global python3 -m ecc bench --kernel-only --device "$device" --sizes "$big" \
  --streams 1 --coders "ecc interleaved" --skip off --repeat 10 --quiet
keep kernels_global "^ecc" 4
step kernels_batch 90 python3 -m ecc bench --kernel-only --device "$device" --sizes "1e6,$big" --streams 4096 \
  --skip off --repeat 10 --quiet
keep kernels_batch "^(coder|ecc|---)" 20

# 6. Profile of the hot kernels: one kernel-only run of the interleaved format at 64e6 symbols.
profiled=(python3 -m ecc bench --kernel-only --device "$device" --sizes "$big" --streams 1 --skip off
  --coders "ecc interleaved" --repeat 3 --quiet)
if [ "$dry" = 1 ]; then
  note "== profile: SKIPPED (dry run)"
elif command -v nsys >/dev/null; then
  step profile 90 nsys profile --force-overwrite true -o "$logs/profile" "${profiled[@]}" \
    && step profile_stats 60 nsys stats --report cuda_gpu_kern_sum --format table "$logs/profile.nsys-rep"
  cp "$logs/profile_stats.log" "$out/profile.txt" 2>/dev/null
  keep profile_stats "encode_chunks|decode_chunks|pack_chunks|compact|Time" 12
elif command -v ncu >/dev/null; then
  # ncu replays each kernel; 2 launches of each hot kernel, at a quarter of the size.
  profiled[8]=1.6e7
  step profile 120 ncu --clock-control none --kernel-name "regex:encode_chunks|decode_chunks|pack_chunks" \
    --launch-count 6 --section SpeedOfLight --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis \
    "${profiled[@]}"
  cp "$logs/profile.log" "$out/profile.txt"
  keep profile "_chunks|Duration|Throughput|Achieved Occupancy|Registers|Shared Memory Config" 60
else
  note "== profile: SKIPPED (neither nsys nor ncu)"
fi

# 7. Adversarial fine-tune, for the minutes left, when its corpus travelled along.
if [ -f benchmarks/gpu_train.sh ] && [ "$dry" != 1 ]; then
  if [ ! -f "${DATA:-gpu_corpus}/manifest.csv" ]; then
    note "== train: SKIPPED (no corpus at ${DATA:-gpu_corpus}; see benchmarks/gpu_train.sh)"
  elif [ "$(left)" -lt 120 ]; then
    note "== train: SKIPPED ($(left) s left)"
  else
    minutes=$(python3 -c "print(round(($(left) - 75) / 60, 2))")
    step train $(($(left) - 5)) env OUT="$logs/train" MINUTES="$minutes" bash benchmarks/gpu_train.sh
    keep train "step|loss|MB" 8
  fi
fi
finish 0
