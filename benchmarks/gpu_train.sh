#!/usr/bin/env bash
# One call on a lent GPU machine (issue 23, lead 5): an adversarial decoder-only fine-tune of the
# shipped model (configs/adversarial_gpu.toml: batch 64, MPD + complex MS-STFT discriminators) for
# MINUTES (default 6) of training after the extension's CUDA build (the trainer's validation codes
# real .ecc files), then its model file (float16, about 7 MB) and log to $OUT: one 10-minute call.
# Evaluate it back on the CPU: ECC_MODEL=model.pt python -m ecc eval /work/runs/pilot ... (docs/training.md).
#
# Before the call, make the small corpus it trains on (it travels with the working tree, 64 MiB in all):
#   python -m ecc.train.subset /work/data/corpus gpu_corpus --minutes 30     # ~33 MB of FLAC
# and name it in the call's carry (gpu_corpus is ignored by git); timeout_s=600.
#
# DRY_RUN=1 runs the same path on the CPU in seconds (configs/tiny.toml on synthetic clips, a few
# decoder-only adversarial steps): tests/test_train.py runs it.
set -euo pipefail
out=${OUT:-gpu-out}
minutes=${MINUTES:-6}
run=${RUN_DIR:-/tmp/ecc-gpu-train}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if [ "${DRY_RUN:-0}" = 1 ]; then
  config=configs/tiny.toml
  set -- --set decoder_only=true --set adv_start_step=0 --set discriminator.segment=2048 --set device=cpu \
         --set threads=1 "$@"
else
  config=configs/adversarial_gpu.toml
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/device.txt"
  [ -f "${DATA:-gpu_corpus}/manifest.csv" ] || { echo "no corpus at ${DATA:-gpu_corpus}: see the header" >&2; exit 2; }
  set -- --set "data.root=${DATA:-gpu_corpus}" "$@"
  [ -x /usr/bin/g++ ] && export CXX=/usr/bin/g++  # as benchmarks/gpu_check.sh: libstdc++ linked dynamically
  start=$SECONDS
  TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16 ECC_FORCE_CUDA=1 python3 setup.py build_ext --inplace >"$out/build.log" 2>&1 \
    || { tail -40 "$out/build.log"; exit 1; }
  echo "extension built in $((SECONDS - start)) s" | tee -a "$out/device.txt"
fi
rm -rf "$run"
python3 -m ecc.train --config "$config" --run-dir "$run" --max-minutes "$minutes" "$@" 2>&1 | tee "$out/train.log" | tail -5
cp "$run/model.pt" "$out/model.pt"
cp "$run/log.jsonl" "$out/log.jsonl"
python3 -c "import os, sys; s = os.path.getsize(sys.argv[1]); print(f'{sys.argv[1]}: {s / 1e6:.1f} MB'); sys.exit(s > 16e6)" \
  "$out/model.pt"
