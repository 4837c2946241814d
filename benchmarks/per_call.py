"""Per-call cost of ecc.ops.rans_encode / rans_decode with the three tensors (prepared per call) and with
ecc.ops.prepare_tables (prepared once), side by side in one process, one thread. Run from the repository root:
    python benchmarks/per_call.py
Prints a markdown table of median microseconds per call (it measures; it asserts nothing)."""
import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import time, torch, ecc
from ecc.coding import default_scale_table
from ecc.testing import gaussian_latent
torch.set_num_threads(1)
tables = ecc.ops.gaussian_cdf_table(default_scale_table())
prep = ecc.ops.prepare_tables(*tables)
def med(fn, k=400):
    ts=[]
    for _ in range(k):
        t=time.perf_counter(); fn(); ts.append(time.perf_counter()-t)
    ts.sort(); return ts[len(ts)//2]*1e6
print("| format | N | encode 3 tensors | encode prepared | decode 3 tensors | decode prepared |")
print("|---|---|---|---|---|---|")
for fmt in ("compressai","interleaved"):
  for n in (100,1000,10000):
    s,i = gaussian_latent(n, seed=0)
    d,z = ecc.ops.rans_encode(s,i,*tables,format=fmt)
    r=[med(lambda: ecc.ops.rans_encode(s,i,*tables,format=fmt)), med(lambda: ecc.ops.rans_encode(s,i,prep,format=fmt)),
       med(lambda: ecc.ops.rans_decode(d,z,i,*tables,format=fmt)), med(lambda: ecc.ops.rans_decode(d,z,i,prep,format=fmt))]
    print(f"| {fmt} | {n} | " + " | ".join(f"{x:.1f} µs" for x in r) + " |")
