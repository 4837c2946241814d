"""Streaming model figures for benchmarks/RESULTS.md: whole-stream kbps (every packet byte),
PESQ-WB and STOI per quality and packet size, STOI under random packet loss, the latency check,
real-time factors on one thread (process CPU time, so other load on the machine does not count), and the non-streaming model on the same clips.

    python benchmarks/stream_rd.py [--model ecc/weights/ecc-stream.pt] [--clips 11] [--qualities 1,2,3]
    python benchmarks/stream_rd.py --only coders --clips 3 --qualities 1,2   # packet bytes per stream format
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from ecc.audio import SAMPLE_RATE, read_audio
from ecc.entropy import CoderSettings
from ecc.eval.data import rd_clips
from ecc.eval.metrics import score
from ecc.model import CausalECC
from ecc.model.weights import load_model
from ecc.speech_codec import SpeechCodec
from ecc.streaming import StreamDecoder, StreamEncoder, streaming_model
from ecc.streaming.packet import unpack


def with_packet_frames(model: CausalECC, frames: int) -> CausalECC:
    """The same weights coding packets of ``frames`` latent frames."""
    other = CausalECC(frames, **{k: v for k, v in model.config.items() if k not in ("causal", "packet_frames")})
    other.load_state_dict(model.state_dict())
    other.set_entropy_skip(model.skip_below)
    other.model_id, other.meta = model.model_id, model.meta
    return other.eval()


def stream(model, wave, quality, loss=0.0, seed=0, cuts=None, gaps=False):
    """(packets, decoded (N,), encode s, decode s, max(n - samples returned) over the pushes). A
    share ``loss`` of the packets is lost: pushed as None in its place, or with ``gaps`` not
    delivered at all (the decoder sees the gap in the sequence numbers at the next packet)."""
    encoder, decoder = StreamEncoder(model, quality=quality), StreamDecoder(model)
    rng = np.random.default_rng(seed)
    cuts = cuts if cuts is not None else [len(wave)]
    pieces, packets, out, lag, t_enc, t_dec, pushed, returned = np.split(wave, cuts), [], [], 0, 0.0, 0.0, 0, 0
    for piece in pieces + [None]:
        start = time.process_time()
        new = encoder.push(piece) if piece is not None else encoder.flush()
        t_enc += time.process_time() - start
        start = time.process_time()
        for packet in new:
            lost = rng.random() < loss
            if lost and gaps:
                continue
            out.append(decoder.push(None if lost else packet))
            returned += len(out[-1])
        t_dec += time.process_time() - start
        if piece is not None:
            pushed += len(piece)
            lag = max(lag, pushed - returned)
        packets += new
    out.append(decoder.flush())
    return packets, np.concatenate(out), t_enc, t_dec, lag


@torch.no_grad()
def batched(model: CausalECC, streams: int, packets: int = 12) -> float:
    """Real-time streams one thread sustains advancing ``streams`` streams in one batch (encode
    step, coding, decoding, decode step per packet time)."""
    gain, inverse_gain = model._gains(2.0, streams)
    coder, enc, dec = StreamEncoder(model, quality=0).coder, None, None
    x = torch.randn(streams, model.packet_samples) * 0.1
    start = time.process_time()
    for _ in range(packets):
        enc, y = model.encode_step(enc, x, gain)
        data, sizes, _ = model.compress_packet(y, coder, model.skip_below)
        dec, _ = model.decode_step(dec, model.decompress_packet(data, sizes, coder, model.skip_below), inverse_gain)
    per_packet = (time.process_time() - start) / packets
    return streams * model.packet_samples / SAMPLE_RATE / per_packet


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--clips", type=int, default=11, help="every 3rd of the 33 RD clips: 11")
    parser.add_argument("--qualities", default="1,2,3")
    parser.add_argument("--frames", default="2,4", help="packet sizes (latent frames) for the RD rows")
    parser.add_argument("--only", choices=["stream", "baseline", "coders"],
                        help="only the streaming or the non-streaming rows, or the packet bytes per stream format")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = streaming_model(args.model)
    paths = rd_clips()[:: max(1, 33 // args.clips)][: args.clips]
    waves = [read_audio(p) for p in paths]
    seconds = sum(len(w) for w in waves) / SAMPLE_RATE
    print(f"model {model.model_id}, {len(waves)} clips, {seconds:.1f} s, torch {torch.__version__}, 1 thread")
    qualities = [float(q) for q in args.qualities.split(",")]
    if args.only == "coders":
        coder_rows(model, waves, seconds, qualities)
        return
    if args.only != "baseline":
        streaming_rows(model, waves, seconds, qualities, [int(f) for f in args.frames.split(",")])
    if args.only != "stream":
        baseline_rows(waves, seconds)


def streaming_rows(model, waves, seconds, qualities, packet_frames):
    print("| packet | latency ms | quality | kbps | PESQ-WB | STOI | encode x RT | decode x RT | max lag ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for frames in packet_frames:
        m = with_packet_frames(model, frames)
        latency = StreamEncoder(m, quality=0).latency_ms
        for q in qualities:
            bits = t_enc = t_dec = lag = 0.0
            scores = []
            for i, w in enumerate(waves):
                cuts = np.sort(np.random.default_rng(i).integers(0, len(w), len(w) // 400))
                packets, y, te, td, worst = stream(m, w, q, cuts=cuts)
                assert len(y) == len(w)
                bits += 8 * sum(map(len, packets))
                t_enc, t_dec, lag = t_enc + te, t_dec + td, max(lag, worst)
                scores.append(score(w, y, ["pesq_wb", "stoi"]))
            print(f"| {80 * frames // 2} ms | {latency:.0f} | {q:g} | {bits / seconds / 1000:.3f} | "
                  f"{np.mean([s['pesq_wb'] for s in scores]):.3f} | {np.mean([s['stoi'] for s in scores]):.3f} | "
                  f"{seconds / t_enc:.1f} | {seconds / t_dec:.1f} | {1000 * lag / SAMPLE_RATE:.1f} |", flush=True)
    print("\nrandom packet loss (80 ms packets; lost: pushed as None / not delivered): "
          "| quality | loss | STOI | exact length | STOI | exact length |")
    for q in qualities:
        for loss in (0.0, 0.01, 0.1):
            cells = []
            for gaps in (False, True):
                results = [stream(model, w, q, loss, seed=i, gaps=gaps) for i, w in enumerate(waves)]
                exact = sum(len(r[1]) == len(w) for r, w in zip(results, waves))
                stoi = np.mean([score(w, r[1][: len(w)] if len(r[1]) >= len(w) else np.pad(r[1], (0, len(w) - len(r[1]))),
                                      ["stoi"])["stoi"] for r, w in zip(results, waves)])
                cells += [f"{stoi:.3f}", f"{exact}/{len(waves)}"]
            print(f"| {q:g} | {100 * loss:g}% | {' | '.join(cells)} |", flush=True)
    print("\nbatched serving (one thread): | streams in a batch | real-time streams sustained |")
    for streams in (1, 16, 64):
        print(f"| {streams} | {batched(model, streams):.1f} |", flush=True)


def coder_rows(model, waves, seconds, qualities):
    """The same packets with each shared-stream format as the payload's coder: bytes per packet
    (whole packet and payload alone) and kbps; every stream decodes to the same samples."""
    print("| quality | coder | packets | bytes/packet | payload bytes/packet | kbps |")
    print("|---:|---|---:|---:|---:|---:|")
    for q in qualities:
        decoded = {}
        for fmt in ("compressai", "compact", "range"):
            sizes, payloads, out = [], [], []
            for w in waves:
                encoder, decoder = StreamEncoder(model, quality=q), StreamDecoder(model)
                encoder.coder = decoder.coder = CoderSettings(format=fmt)
                packets = encoder.push(w) + encoder.flush()
                sizes += map(len, packets)
                payloads += (len(unpack(p).payload) for p in packets)
                out.append(np.concatenate([decoder.push(p) for p in packets] + [decoder.flush()]))
            decoded[fmt] = out
            print(f"| {q:g} | {fmt} | {len(sizes)} | {np.mean(sizes):.2f} | {np.mean(payloads):.2f} | "
                  f"{8 * sum(sizes) / seconds / 1000:.3f} |", flush=True)
        assert all(np.array_equal(a, b) for fmt in ("compact", "range") for a, b in zip(decoded["compressai"], decoded[fmt]))


def baseline_rows(waves, seconds):
    codec = SpeechCodec(load_model())
    print("\nnon-streaming ecc-default on the same clips: | quality | payload+header kbps | PESQ-WB | STOI |")
    for q in (1.0, 1.5, 1.7, 2.0):
        blobs = codec.compress_many([torch.from_numpy(w) for w in waves], q)
        decoded = codec.decompress_many(blobs)
        scores = [score(w, y.numpy(), ["pesq_wb", "stoi"]) for w, y in zip(waves, decoded)]
        print(f"| {q:g} | {8 * sum(map(len, blobs)) / seconds / 1000:.3f} | {np.mean([s['pesq_wb'] for s in scores]):.3f} | "
              f"{np.mean([s['stoi'] for s in scores]):.3f} |", flush=True)


if __name__ == "__main__":
    main()
