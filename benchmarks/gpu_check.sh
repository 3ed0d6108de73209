#!/usr/bin/env bash
# Every GPU check of issue 5 in one call on a device machine (H100/H200; about 4-6 minutes):
# the CUDA tests (tests/test_cuda.py, tests/test_cuda_graph.py), then benchmarks/bench_gpu.py
# with the whole-step CUDA graph (v). Logs go to $OUT (the device tool brings them back).
#
# The device image (Python 3.12) has PyTorch, h5py, pandas, matplotlib, tqdm and pytest but not
# skorch or pooch, and a scikit-learn of its own version. Fetch wheels here once (9 MB; the
# scikit-learn that CI installed in 2026-11, so that the tests see the same version):
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 -d .whl \
#       skorch==1.4.0 pooch==1.8.2 platformdirs==4.3.8 scikit-learn==1.9.1
# then run, with the device tool: command "bash benchmarks/gpu_check.sh", carry [".whl"],
# kind "nvidia-h200" (the issue's targets are for an H200; an H100 figure is indicative only).
# Extra arguments go to bench_gpu.py (e.g. --compile; --only devries).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 -c "import sys, torch, sklearn, skorch; print('python', sys.version.split()[0], \
'torch', torch.__version__, 'sklearn', sklearn.__version__, 'skorch', skorch.__version__)"
} 2>&1 | tee "$OUT/machine.txt"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py tests/test_cuda_graph.py \
    2>&1 | tee "$OUT/tests.log"
tests=$?
timeout 300 python3 benchmarks/bench_gpu.py --graph "$@" 2>&1 | tee "$OUT/bench.log"
bench=$?
exit $(( tests != 0 ? tests : bench ))  # a failed CUDA test fails the call even if the bench ran
