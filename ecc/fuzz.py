"""Standing fuzzer: hostile inputs to every decode op and to the `.ecc` reader.

Every case must end in a documented outcome (a result, or the target's documented exception
types), within the target's time bound per case and memory bound. Cases run in batches in a
child process, which measures its own resident memory (peak minus the RSS before the batch,
/proc/self/status) and reports as one JSON line; a crash or hang of the child is a failure of
its batch. A case is a pure function of (seed, target, case number), so any failure replays::

    python -m ecc.fuzz --minutes 10 --seed 1            # all targets, until the time is up
    python -m ecc.fuzz --replay container:4711 --seed 1  # one case, in this process, traceback

Targets:
    decode      rans_decode (every format) and rans_decode_part (`compressai`, `compact`, `range`) on
                random and mutated streams, sizes (negative, huge, wrapping int64 sums), indexes, skip
                thresholds, decoder states and argument dtypes; intact streams must decode to what
                was encoded.
                Documented: RuntimeError (the ops), ValueError (the wrappers' argument checks).
    container   SpeechCodec.decompress of the shipped model on `.ecc` files whose header fields
                are set to extremes, whose header, size table or payload bytes are mutated (the
                CRC recomputed), that declare hours of audio in many 8-byte segments, and on
                damaged, truncated or foreign bytes. Documented:
                ecc.bitstream.EccFileError; a decoded file has num_samples finite samples.
    encoder     SpeechCodec.compress on waveforms of every dtype (numpy and torch), of odd shapes
                and lengths, with NaN/inf samples and amplitudes from silence to 1e6. Documented:
                TypeError, ValueError; a coded file declares the input's length.
    packets     a StreamDecoder of the shipped streaming model fed a real stream's packets with
                some mutated (bytes changed, cut, added; flags, sequence numbers, header fields
                and end fields changed), replaced by garbage or None, duplicated or reordered.
                Documented: ecc.streaming.PacketError for a packet (the case then goes on, as an
                application would, with None in its place); every push returns finite float32
                samples, at most 64 packets' worth.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import time
import traceback
import warnings
import zlib
from pathlib import Path

import numpy as np
import torch

from . import bitstream, ops
from .coding.scale_table import default_scale_table


class DecodeTarget:
    """Random and mutated streams into rans_decode / rans_decode_part."""

    expected = (RuntimeError, ValueError)
    max_seconds = 1.0   # per case
    max_rss_mb = 200    # growth of the batch's peak RSS over its start
    batch = 400         # cases per child process

    def __init__(self):
        self.tables = ops.gaussian_cdf_table(default_scale_table())
        self.rows = len(self.tables[0])

    def run(self, rng: random.Random) -> str:
        g = torch.Generator().manual_seed(rng.getrandbits(63))
        fmt = rng.choice(("compressai", "interleaved", "compact", "range", "part", "compact part", "range part"))
        b, n = rng.randint(1, 4), rng.choice((0, 1, rng.randint(2, 64), rng.randint(65, 3000)))
        indexes = torch.randint(0, self.rows, (b, n), generator=g, dtype=torch.int32)
        symbols = torch.randint(-12, 13, (b, n), generator=g, dtype=torch.int32)
        escapes = torch.rand(b, n, generator=g) < 0.01  # values past the table: bypass-coded
        symbols[escapes] = torch.randint(-(1 << 20), 1 << 20, (int(escapes.sum()),), generator=g, dtype=torch.int32)
        skip = rng.choice((-1, -1, 0, 7, self.rows, 2**31 - 1, -(2**31)))
        extra = {}
        if fmt == "interleaved":
            extra = {"lanes": rng.choice((None, 1, 4, 8, 16, 32)), "chunk_size": rng.choice((32, 64, 1024, 1 << 16))}
        coded_as = fmt if fmt in ops.FORMATS else fmt.split()[0] if " " in fmt else "compressai"
        data, sizes = ops.rans_encode(symbols, indexes, *self.tables, skip, coded_as, **extra)

        kind = rng.randrange(8)
        if kind == 1:  # flip bytes
            data = data.clone()
            for _ in range(rng.randint(1, 4)):
                if len(data):
                    data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        elif kind == 2:  # cut or extend stream 0, sizes following
            delta = rng.choice((-8, -4, -2, -1, 1, 2, 4, 8, rng.randint(-64, 64)))
            keep = max(0, int(sizes[0]) + min(delta, 0))
            pad = torch.randint(0, 256, (max(delta, 0),), generator=g, dtype=torch.uint8)
            data = torch.cat([data[:keep], pad, data[int(sizes[0]):]])
            sizes = sizes.clone()
            sizes[0] = keep + len(pad)
        elif kind == 3:  # random bytes, randomly partitioned
            data = torch.randint(0, 256, (rng.randint(0, 600),), generator=g, dtype=torch.uint8)
            cuts = sorted(rng.randint(0, len(data)) for _ in range(b - 1))
            sizes = torch.tensor([e - s for s, e in zip([0, *cuts], [*cuts, len(data)])], dtype=torch.int64)
        elif kind == 4:  # sizes that are negative, huge, or add up to the data's length modulo 2^64
            sizes = sizes.clone()
            extreme = (-1, -(2**63), 2**63 - 1, 2**62, len(data) + 1, 2**63 - 4)
            sizes[rng.randrange(b)] = rng.choice(extreme)
            if b == 4 and rng.random() < 0.5:  # issue 19's: the sum wraps around to len(data)
                sizes[1:] = torch.tensor([2**63 - 4, 2**63 - 4, len(data) - int(sizes[0]) + 8])
        elif kind == 5:  # indexes out of range, or more / fewer elements than encoded
            if n and rng.random() < 0.5:
                indexes = indexes.clone()
                indexes[rng.randrange(b), rng.randrange(n)] = rng.choice((-1, self.rows, 2**31 - 1, -(2**31)))
            else:
                shape = (b, max(0, n + rng.choice((-5, -1, 1, 7))))
                indexes = torch.randint(0, self.rows, shape, generator=g, dtype=torch.int32)
        elif kind == 6:  # another skip threshold
            skip = rng.choice((-1, 0, 7, self.rows, 2**31 - 1, -(2**31)))
        elif kind == 7:  # wrong dtypes and shapes
            data, sizes, indexes = rng.choice(((data.to(torch.int8), sizes, indexes), (data, sizes.int(), indexes),
                                               (data, sizes, indexes.long()), (data, sizes[:-1], indexes),
                                               (data.reshape(1, -1), sizes, indexes), (data, sizes, indexes.t())))
        in_parts = fmt.endswith("part")
        random_state = in_parts and rng.random() < 0.2
        if in_parts:
            out = self._decode_in_parts(rng, g, data, sizes, indexes, skip, random_state, coded_as)
        else:
            out = ops.rans_decode(data, sizes, indexes, *self.tables, skip, coded_as)
        if out.shape != indexes.shape:
            raise AssertionError(f"decoded shape {tuple(out.shape)} for indexes {tuple(indexes.shape)}")
        if kind == 0 and not random_state:  # intact streams decode to what was encoded, skipped elements to 0
            expected = torch.where(indexes < skip, 0, symbols)
            if not torch.equal(out, expected):
                raise AssertionError("an intact stream decoded to other symbols")
        return "decoded"

    def _decode_in_parts(self, rng, g, data, sizes, indexes, skip, random_state, format):
        """rans_decode_part over random cuts of the elements; random_state starts from a random
        (x, bytes read) per stream instead of zeros."""
        n = indexes.shape[-1]
        cuts = sorted(rng.randint(0, n) for _ in range(rng.randint(0, 3)))
        state = None
        if random_state:
            state = torch.stack([torch.randint(-(2**63), 2**63 - 1, (len(sizes),), generator=g),
                                 torch.tensor([rng.choice((0, 3, 4, 8, 12, -4, 2**62, rng.randint(0, 64)))
                                               for _ in range(len(sizes))])], dim=1)
        parts = []
        for start, end in zip([0, *cuts], [*cuts, n]):
            part, state = ops.rans_decode_part(data, sizes, state, indexes[..., start:end].contiguous(), *self.tables,
                                               skip, finish=end == n and rng.random() < 0.8, format=format)
            parts.append(part)
        return torch.cat(parts, dim=-1)


class ContainerTarget:
    """Crafted and damaged `.ecc` files into SpeechCodec.decompress with the shipped model."""

    expected = (bitstream.EccFileError,)
    max_seconds = 10.0  # a decoded case runs the model; a busy 2-core machine took up to 4.9 s
    max_rss_mb = 400
    batch = 60

    # header fields set to extremes (pack recomputes the CRC); values Header refuses are skipped
    EXTREMES = {
        "num_samples": (0, 1, 8000, 16001, 960000, 960001, 2**32, 2**40, 2**62, 2**64 - 1),
        "chunk_samples": (0, 1, 320, 8000, 960000, 960001, 2**31, 2**32 - 1),
        "quality": (0.0, -0.0, 6.0, 6.5, -1.0, 1e30, 3.4e38, 1e-45),
        "skip_below": (0, 1, 63, 64, 65, 2**16 - 1),
        "sample_rate": (1, 8000, 16000, 2**32 - 1),
        "version": (1, 2, 3),
        "model_id": ("", "ecc-default", "x" * 32),
    }

    def __init__(self):
        from .entropy import CoderSettings
        from .model.weights import load_model
        from .speech_codec import SpeechCodec

        model = load_model()
        g = torch.Generator().manual_seed(0)
        wave = 0.1 * torch.randn(11200, generator=g)  # 0.7 s: two segments of 0.5 s
        self.codec = SpeechCodec(model)
        self.blobs = [SpeechCodec(model, segment_seconds=0.5, coder=coder).compress(wave, quality)
                      for coder, quality in ((CoderSettings(), 1.0), (CoderSettings("interleaved"), 3.0),
                                             (CoderSettings(shared=False), 0.0))]
        self.codec.decompress(self.blobs[0])  # one-time costs (first calls into the model) before the cases

    def run(self, rng: random.Random) -> str:
        blob = bytearray(rng.choice(self.blobs))
        header, sizes, payload = bitstream.unpack(bytes(blob))
        table_end = len(blob) - bitstream.CRC.size - len(payload)  # the header and the size table
        kind = rng.randrange(7)
        if kind == 0:  # one or two header fields at extremes, CRC valid
            changes = {f: rng.choice(self.EXTREMES[f]) for f in rng.sample(sorted(self.EXTREMES), rng.randint(1, 2))}
            try:
                blob = bytearray(bitstream.pack(dataclasses.replace(header, **changes), sizes, payload))
            except ValueError:  # not storable: covered by the byte mutations below
                return "skipped"
        elif kind == 1:  # header and size-table bytes overwritten, inserted or deleted, CRC recomputed
            for _ in range(rng.randint(1, 3)):
                pos = rng.randrange(4, table_end)
                op = rng.randrange(3)
                if op == 0:
                    blob[pos] = rng.choice((0x00, 0x01, 0x7F, 0x80, 0xFF, rng.randrange(256)))
                elif op == 1:
                    blob[pos:pos] = bytes([rng.choice((0x80, 0xFF, rng.randrange(256)))])
                else:
                    del blob[pos]
            blob = _with_crc(blob)
        elif kind == 2:  # sizes redistributed, split or merged over the same payload, CRC valid
            sizes = list(sizes)
            i = rng.randrange(len(sizes))
            if rng.random() < 0.5 and len(sizes) > 1:
                j = rng.choice([k for k in range(len(sizes)) if k != i])
                moved = rng.choice((1, 4, 8, sizes[i]))
                moved = min(moved, sizes[i])
                sizes[i] -= moved
                sizes[j] += moved
            elif rng.random() < 0.5:
                cut = rng.randint(0, sizes[i])
                sizes[i:i + 1] = [cut, sizes[i] - cut]
            elif len(sizes) > 1:
                sizes[i:i + 2] = [sum(sizes[i:i + 2])]
            blob = bytearray(bitstream.pack(header, sizes, payload))
        elif kind == 3:  # payload bytes changed, CRC recomputed
            for _ in range(rng.randint(1, 4)):
                blob[rng.randrange(table_end, len(blob) - 4)] = rng.randrange(256)
            blob = _with_crc(blob)
        elif kind == 4:  # damage the CRC would catch: a flipped bit, a cut, trailing bytes
            op = rng.randrange(3)
            if op == 0:
                blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
            elif op == 1:
                del blob[rng.randrange(len(blob)):]
            else:
                blob += rng.randbytes(rng.randint(1, 16))
        elif kind == 5:  # foreign bytes, with and without the magic
            blob = bytearray(rng.choice((b"", bitstream.MAGIC, b"RIFF")) + rng.randbytes(rng.randint(0, 64)))
        else:  # a long declared length backed by many minimal (8-byte) segments, CRC valid
            per_segment = len(sizes) // 2  # every base file has two segments
            segments, chunk = rng.choice((2, 100, 2000, 2237)), rng.choice((320, 8000, 960000))
            length = segments * chunk - rng.choice((0, 1, chunk - 1))
            blob = bytearray(bitstream.pack(dataclasses.replace(header, num_samples=length, chunk_samples=chunk),
                                            [8] * (segments * per_segment), rng.randbytes(8 * segments * per_segment)))
        wave = self.codec.decompress(bytes(blob), "fuzz.ecc")
        declared = bitstream.unpack(bytes(blob))[0].num_samples
        if wave.shape != (declared,) or not torch.isfinite(wave).all():
            raise AssertionError(f"decoded {tuple(wave.shape)} samples (finite: {bool(torch.isfinite(wave).all())}) "
                                 f"for a header of {declared}")
        return "decoded"


class EncoderInputTarget:
    """Hostile waveforms into SpeechCodec.compress: dtypes, shapes, non-finite and huge samples."""

    expected = (TypeError, ValueError)
    max_seconds = 5.0
    max_rss_mb = 300
    batch = 40

    DTYPES = ("float32", "float64", "float16", "int16", "int32", "uint8", "int64", "bool", "complex64")

    def __init__(self):
        from .model.weights import load_model
        from .speech_codec import SpeechCodec

        self.codec = SpeechCodec(load_model())

    def run(self, rng: random.Random) -> str:
        g = np.random.default_rng(rng.getrandbits(63))
        n = rng.choice((0, 1, 639, rng.randint(2, 8000)))
        shape = rng.choice(((n,), (rng.randint(1, 3), n), (n, rng.randint(1, 3)), (1, 1, n), ()))
        wave = g.standard_normal(shape) * rng.choice((0.0, 1e-6, 0.1, 1.0, 2.5, 1e6))
        if wave.size and rng.random() < 0.3:  # non-finite samples somewhere
            wave.flat[g.integers(wave.size)] = rng.choice((np.nan, np.inf, -np.inf))
        dtype = rng.choice(self.DTYPES)
        if dtype.startswith(("int", "uint")):
            info = np.iinfo(dtype)
            wave = np.clip(np.nan_to_num(wave * info.max), info.min, info.max)
        wave = wave.astype(dtype)
        if rng.random() < 0.5:
            wave = torch.from_numpy(wave)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the mixdown's warning
            blob = self.codec.compress(wave, quality=rng.choice((0.0, 2.5)))
        if not isinstance(blob, bytes) or bitstream.unpack(blob)[0].num_samples != shape[-1]:
            raise AssertionError(f"compress of {shape} {dtype} gave no valid file")
        return "encoded"


class PacketTarget:
    """Mutated, garbage, lost, duplicated and reordered packets into a StreamDecoder."""

    expected = (ValueError,)  # PacketError is caught per packet; anything else escaping is a failure
    max_seconds = 3.0
    max_rss_mb = 200
    batch = 40

    def __init__(self):
        from .streaming import StreamEncoder, streaming_model
        from .streaming.packet import SEQUENCE_MODULUS

        self.model = streaming_model(None)
        g = np.random.default_rng(0)
        wave = (0.1 * g.standard_normal(1280 * 5 + 300)).astype(np.float32)
        encoder = StreamEncoder(self.model, quality=2.0)
        self.packets = encoder.push(wave) + encoder.flush()
        self.most = SEQUENCE_MODULUS * self.model.packet_samples  # samples one push may return

    def _mutated(self, rng: random.Random, packet: bytes) -> bytes:
        from .streaming.packet import _FINAL, _HAS_HEADER, END, HEADER

        data = bytearray(packet)
        op = rng.randrange(6)
        if op == 0 and data:  # a byte changed (flags and sequence number included)
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1:  # cut
            del data[rng.randrange(len(data) + 1):]
        elif op == 2:  # bytes added
            data += rng.randbytes(rng.randint(1, 8))
        elif op == 3 and len(data) > 1 and data[0] & _HAS_HEADER:  # a header field set to an extreme
            data[rng.randrange(1, min(len(data), 1 + HEADER.size))] = rng.choice((0x00, 0x7F, 0x80, 0xFF))
        elif op == 4 and len(data) > 2 and data[0] & _FINAL:  # an end field changed
            at = 1 + (HEADER.size if data[0] & _HAS_HEADER else 0)
            data[at:at + END.size] = rng.randbytes(END.size)
        else:  # garbage
            data = bytearray(rng.randbytes(rng.randint(0, 48)))
        return bytes(data)

    def run(self, rng: random.Random) -> str:
        from .streaming import PacketError, StreamDecoder

        sequence: list[bytes | None] = []
        for packet in self.packets:
            roll = rng.random()
            if roll < 0.15:
                continue                                        # lost, never delivered
            sequence.append(None if roll < 0.25 else self._mutated(rng, packet) if roll < 0.55 else packet)
            if rng.random() < 0.1:
                sequence.append(rng.choice(self.packets))       # a duplicate or a late one
        if len(sequence) > 1 and rng.random() < 0.3:
            i = rng.randrange(len(sequence) - 1)
            sequence[i], sequence[i + 1] = sequence[i + 1], sequence[i]
        decoder, refused = StreamDecoder(self.model), 0
        for packet in sequence:
            try:
                out = decoder.push(packet)
            except PacketError:
                refused += 1
                out = decoder.push(None)
            if out.dtype != np.float32 or out.ndim != 1 or len(out) > self.most or not np.isfinite(out).all():
                raise AssertionError(f"push returned {out.dtype} {out.shape} (finite: {np.isfinite(out).all()})")
        decoder.flush()
        return "some refused" if refused else "none refused"


TARGETS = {"decode": DecodeTarget, "container": ContainerTarget, "encoder": EncoderInputTarget,
           "packets": PacketTarget}
_CASE = "fuzz case "  # a child's progress line on stderr: _CASE + "target:case"


def _with_crc(blob: bytearray) -> bytearray:
    """blob with its last 4 bytes replaced by the CRC32 of the rest."""
    return blob[:-4] + bitstream.CRC.pack(zlib.crc32(blob[:-4]))


def _case_rng(seed: int, target: str, case: int) -> random.Random:
    return random.Random(f"{seed}:{target}:{case}")


def _rss_kb(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def run_batch(target: str, seed: int, first: int, count: int, scale: float = 1.0, progress=None) -> dict:
    """Cases first .. first + count - 1 of ``target`` in this process; ``progress`` (a text file)
    gets a line naming each case before it runs, so a crash names its case.

    Returns:
        {"cases", "outcomes" {outcome or exception name: count}, "slowest_s", "rss_growth_mb",
         "failures" [str]}: a failure is an undocumented exception or a case over the time bound;
        the memory bound is checked on the batch's peak RSS (the HWM is reset when /proc allows).
    """
    fuzz_target = TARGETS[target]()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    except OSError:
        pass
    base = _rss_kb("VmRSS")
    outcomes, failures, slowest = {}, [], 0.0
    for case in range(first, first + count):
        if progress:
            print(f"{_CASE}{target}:{case}", file=progress, flush=True)
        start = time.perf_counter()
        try:
            outcome = fuzz_target.run(_case_rng(seed, target, case))
        except fuzz_target.expected as e:
            outcome = type(e).__name__
        except Exception as e:  # noqa: BLE001 - anything else is what the fuzzer looks for
            outcome = "failure"
            failures.append(f"{target}:{case}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        seconds = time.perf_counter() - start
        slowest = max(slowest, seconds)
        if seconds > fuzz_target.max_seconds * scale:
            failures.append(f"{target}:{case}: took {seconds:.2f} s (bound {fuzz_target.max_seconds * scale:g} s)")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    growth = (_rss_kb("VmHWM") - base) / 1024
    if growth > fuzz_target.max_rss_mb * scale:
        failures.append(f"{target}:{first}..{first + count - 1}: peak RSS grew {growth:.0f} MB "
                        f"(bound {fuzz_target.max_rss_mb * scale:g} MB)")
    return {"cases": count, "outcomes": outcomes, "slowest_s": slowest, "rss_growth_mb": growth, "failures": failures}


def _child(target: str, seed: int, first: int, count: int, scale: float, timeout: float) -> dict:
    """run_batch in a fresh process; a crash, hang or unreadable report is a failure."""
    paths = [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))  # this ecc, not another
    command = [sys.executable, "-m", "ecc.fuzz", "--batch", target, str(first), str(count), "--seed", str(seed),
               "--scale", str(scale)]
    where = f"{target}:{first}..{first + count - 1}"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"cases": count, "outcomes": {}, "slowest_s": timeout, "rss_growth_mb": 0,
                "failures": [f"{where}: the batch did not finish in {timeout:g} s"]}
    if done.returncode != 0 or not done.stdout.strip():
        lines = done.stderr.strip().splitlines()
        cases = [line[len(_CASE):] for line in lines if line.startswith(_CASE)]
        if cases:
            where = f"{cases[-1]} (replay: python -m ecc.fuzz --replay {cases[-1]} --seed {seed})"
        summary = [line for line in lines if not line.startswith(_CASE) and line.strip()]
        return {"cases": count, "outcomes": {}, "slowest_s": 0, "rss_growth_mb": 0,
                "failures": [f"{where}: the child exited with {done.returncode} "
                             f"({summary[-1] if summary else 'no output'})"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def fuzz(targets=tuple(TARGETS), seed: int = 0, minutes: float | None = None, cases: dict | None = None,
         scale: float = 1.0, log=None) -> dict:
    """Run batches of each target in child processes, in turn, until ``minutes`` have passed or
    each target has run ``cases[target]`` cases.

    Returns:
        {target: {"cases", "outcomes", "slowest_s", "rss_growth_mb" (the largest batch's),
         "failures"}}.
    """
    totals = {t: {"cases": 0, "outcomes": {}, "slowest_s": 0.0, "rss_growth_mb": 0.0, "failures": []} for t in targets}
    deadline = time.monotonic() + 60 * minutes if minutes is not None else None
    while True:
        pending = [t for t in targets if cases is None or totals[t]["cases"] < cases[t]]
        if not pending or (deadline is not None and time.monotonic() > deadline):
            return totals
        for target in pending:
            total, size = totals[target], TARGETS[target].batch
            if cases is not None:
                size = min(size, cases[target] - total["cases"])
            timeout = 60 + 2 * size * TARGETS[target].max_seconds * scale
            report = _child(target, seed, total["cases"], size, scale, timeout)
            total["cases"] += report["cases"]
            for outcome, count in report["outcomes"].items():
                total["outcomes"][outcome] = total["outcomes"].get(outcome, 0) + count
            total["slowest_s"] = max(total["slowest_s"], report["slowest_s"])
            total["rss_growth_mb"] = max(total["rss_growth_mb"], report["rss_growth_mb"])
            total["failures"] += report["failures"]
            if log:
                log(f"{target}: {total['cases']} cases, {len(total['failures'])} failures")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecc.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="run batches until this much time has passed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="default: all")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the time and memory bounds (e.g. 4 under the sanitizer build)")
    parser.add_argument("--replay", metavar="TARGET:CASE", help="run one case here and show its outcome or traceback")
    parser.add_argument("--batch", nargs=3, metavar=("TARGET", "FIRST", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch:
        target, first, count = args.batch
        print(json.dumps(run_batch(target, args.seed, int(first), int(count), args.scale, progress=sys.stderr)))
        return 0
    if args.replay:
        target, case = args.replay.split(":")
        try:
            print(TARGETS[target]().run(_case_rng(args.seed, target, int(case))))
        except Exception:  # noqa: BLE001 - show it, whatever it is
            traceback.print_exc()
        return 0
    totals = fuzz(args.target or tuple(TARGETS), args.seed, minutes=args.minutes, scale=args.scale,
                  log=lambda line: print(line, file=sys.stderr))
    for target, total in totals.items():
        print(f"{target}: {total['cases']} cases {json.dumps(total['outcomes'], sort_keys=True)}, slowest "
              f"{total['slowest_s']:.3f} s, peak RSS growth {total['rss_growth_mb']:.0f} MB, "
              f"{len(total['failures'])} failures")
        for failure in total["failures"]:
            print(f"  {failure}")
    return 1 if any(total["failures"] for total in totals.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
