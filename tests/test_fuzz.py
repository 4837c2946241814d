"""The standing fuzzer (ecc.fuzz): a fixed-seed run of every target in child processes, and the
harness itself (an undocumented exception, a slow case and a memory-hungry batch are failures)."""

import time

from ecc import fuzz


def test_fixed_seed_run_ends_every_case_in_a_documented_outcome():
    totals = fuzz.fuzz(seed=0, cases={"decode": 400, "container": 60, "encoder": 80, "packets": 40})
    assert {t: total["failures"] for t, total in totals.items()} == {"decode": [], "container": [], "encoder": [],
                                                                     "packets": []}
    decode, container, encoder, packets = (totals[t]["outcomes"] for t in ("decode", "container", "encoder", "packets"))
    assert sum(decode.values()) == 400 and decode["decoded"] >= 30 and decode["RuntimeError"] >= 200
    assert sum(container.values()) == 60 and container["CorruptFile"] >= 20
    assert sum(encoder.values()) == 80 and min(encoder.get(k, 0) for k in ("encoded", "TypeError", "ValueError")) >= 5
    assert sum(packets.values()) == 40 and packets.get("some refused", 0) >= 10


class _Misbehaving:
    expected = (ValueError,)
    max_seconds = 0.05
    max_rss_mb = 20
    batch = 3

    def run(self, rng):
        case = rng.randrange(3)
        if case == 0:
            raise TypeError("not documented")
        if case == 1:
            time.sleep(0.1)
        self.held = bytearray(64 << 20)
        self.held[:: 4096] = b"\x01" * len(range(0, 64 << 20, 4096))  # touch every page
        raise ValueError("documented")


def test_undocumented_exceptions_slow_cases_and_memory_are_failures(monkeypatch):
    monkeypatch.setitem(fuzz.TARGETS, "misbehaving", _Misbehaving)
    report = fuzz.run_batch("misbehaving", seed=0, first=0, count=12)
    failures = "\n".join(report["failures"])
    assert "TypeError: not documented" in failures and "(bound 0.05 s)" in failures
    assert "peak RSS grew" in failures and report["outcomes"]["ValueError"] >= 1
