"""The ECC codec: exact round trips, bitrate honesty, batching and segments, damaged files."""

import dataclasses
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from ecc import bitstream
from ecc.entropy import CoderSettings
from ecc.model import ECC
from ecc.model.weights import load_model, model_hash, save_model
from ecc.speech_codec import SpeechCodec

SMALL = dict(latent_channels=16, hyper_channels=8, hyper_features=32, widths=(32, 48, 64), slices=4,
             context_hidden=32, points=3)


def speechlike(seconds: float, seed: int = 0) -> torch.Tensor:
    """Harmonic bursts with a moving pitch and noise: (N,) float32 at 16 kHz."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(int(seconds * 16000)) / 16000
    pitch = 120 + 40 * torch.sin(2 * torch.pi * 0.7 * t)
    phase = 2 * torch.pi * torch.cumsum(pitch, 0) / 16000
    voiced = sum(torch.sin(k * phase) / k for k in range(1, 12))
    envelope = (torch.sin(2 * torch.pi * 3 * t) > -0.3).float()
    return 0.2 * envelope * voiced + 0.01 * torch.randn(len(t), generator=g)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = ECC(**SMALL).eval()
    m.update()
    return m


def test_forward_shapes_and_gradients():
    torch.manual_seed(0)
    m = ECC(**SMALL)
    x = torch.stack([speechlike(1.0, s) for s in range(2)])[:, None]
    out = m(x, torch.tensor([0.0, 2.0]))
    assert out["x_hat"].shape == x.shape
    assert out["likelihoods"]["y"].shape == (2, 16, 26) and out["likelihoods"]["z"].shape == (2, 8, 13)
    loss = sum(-torch.log2(v).sum() for v in out["likelihoods"].values()) / 1e4 + (out["x_hat"] - x).abs().mean()
    loss.backward()
    assert all(p.grad is not None for n, p in m.named_parameters() if not n.endswith("quantiles"))


@pytest.mark.parametrize("quality,skip", [(0.0, 0), (1.5, 0), (2.0, 12)])
def test_decompress_is_the_models_quantized_reconstruction(quality, skip):
    torch.manual_seed(0)
    model = ECC(**SMALL).eval()  # trained with this skip threshold: forward skips as coding does
    model.set_entropy_skip(skip)
    model.update()
    x = torch.stack([speechlike(1.3, 1), speechlike(1.3, 2)])[:, None]
    out = model.compress(x, quality)
    decoded = model.decompress(out["strings"], out["shape"], quality, x.shape[-1])
    assert torch.equal(decoded["x_hat"], model(x, quality)["x_hat"])


def test_decoding_is_exact_across_thread_counts(model):
    x = speechlike(2.0, 3)[None, None]
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        out = model.compress(x, 1.0)
        one = model.decompress(out["strings"], out["shape"], 1.0, x.shape[-1])["y_hat"]
        torch.set_num_threads(max(2, threads))
        many = model.decompress(out["strings"], out["shape"], 1.0, x.shape[-1])["y_hat"]
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one, many)


def test_rate_estimate_agrees_with_real_bytes(model):
    x = torch.stack([speechlike(6.0, s) for s in range(2)])[:, None]
    for quality in (0.0, 2.0):
        with torch.no_grad():
            likelihoods = model(x, quality)["likelihoods"]
        estimate = sum(float(-torch.log2(v).sum()) for v in likelihoods.values())
        out = model.compress(x, quality)
        data, sizes = out["strings"]
        real, streams = 8 * data.numel(), sizes.numel()
        assert sizes.shape == (1, 2)  # z and every y slice of an utterance in one stream
        # each compressai-format stream flushes a 32-bit state: at most 32 bits above its ideal
        assert estimate * 0.97 <= real <= estimate * 1.03 + 32 * streams, (quality, estimate, real)


def test_speech_codec_batches_segments_and_edge_lengths(model):
    codec = SpeechCodec(model, segment_seconds=1.0)
    waves = [torch.zeros(0), torch.zeros(1), speechlike(0.2, 4), speechlike(2.7, 5), torch.zeros(16000)]
    blobs = codec.compress_many(waves, 1.0)
    decoded = codec.decompress_many(blobs)
    assert [len(d) for d in decoded] == [len(w) for w in waves]
    for wave, blob, batched in zip(waves, blobs, decoded):
        alone = codec.decompress(blob)
        assert torch.allclose(alone, batched, atol=1e-5)  # the synthesis network may batch differently
        header = bitstream.unpack(blob)[0]
        assert header.num_samples == len(wave) and header.model_hash == model_hash(model)
    assert bitstream.unpack(blobs[3])[0].chunk_samples == codec.segment_samples == 15360  # 1 s, in 80 ms blocks
    assert len(bitstream.unpack(blobs[3])[1]) == 3  # 3 segments, one stream each


def test_files_of_different_qualities_decode_in_one_batch(model, monkeypatch):
    codec = SpeechCodec(model)
    waves = [speechlike(0.5, 6), speechlike(0.5, 7), speechlike(0.5, 8)]
    blobs = [codec.compress(w, q) for w, q in zip(waves, (0.0, 1.0, 1.5))]
    alone = [codec.decompress(b) for b in blobs]
    calls = []
    decompress = model.decompress
    monkeypatch.setattr(model, "decompress", lambda *a, **k: calls.append(a[2]) or decompress(*a, **k))
    together = codec.decompress_many(blobs)
    assert len(calls) == 1 and calls[0].tolist() == [0.0, 1.0, 1.5]  # one row per file, its own quality
    for a, b in zip(alone, together):
        assert torch.allclose(a, b, atol=1e-5)


def test_speech_codec_interleaved_format(model):
    wave = speechlike(1.5, 6)
    plain = SpeechCodec(model)
    fast = SpeechCodec(model, coder=CoderSettings("interleaved"))
    blob = fast.compress(wave, 2.0)
    assert bitstream.unpack(blob)[0].coder == "interleaved"
    assert torch.allclose(plain.decompress(blob), plain.decompress(plain.compress(wave, 2.0)), atol=1e-5)


def test_one_model_serves_codecs_of_both_formats_from_many_threads(model):
    """Two codecs (compressai, interleaved) on one model, used from 6 threads at once: every file
    has the bytes, and decodes to the waveform, that the codec gives single-threaded."""
    codecs = [SpeechCodec(model, segment_seconds=1.0), SpeechCodec(model, coder=CoderSettings("interleaved"))]
    waves = [speechlike(0.4 + 0.3 * s, 20 + s) for s in range(4)]
    jobs = [(c, w, q) for c in range(2) for w in range(4) for q in (0.5, 2.0)]

    def run(job):
        codec, wave, quality = codecs[job[0]], waves[job[1]], job[2]
        blob = codec.compress(wave, quality)
        return blob, codecs[1 - job[0]].decompress(blob)  # the other codec reads what the header says

    expected = [run(job) for job in jobs]
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(run, jobs * 2))
    for (blob, wave), (want_blob, want_wave) in zip(got, expected * 2):
        assert blob == want_blob and torch.equal(wave, want_wave)
    assert model.skip_below == 0


def test_version_1_and_2_files_still_decode(model):
    wave = speechlike(2.5, 10)
    codec, old = SpeechCodec(model, segment_seconds=1.0), SpeechCodec(model, segment_seconds=1.0,
                                                                      coder=CoderSettings(shared=False))
    blob, old_blob = codec.compress(wave, 1.5), old.compress(wave, 1.5)
    (header, sizes, payload), (old_header, old_sizes, _) = bitstream.unpack(blob), bitstream.unpack(old_blob)
    assert (header.version, len(sizes), old_header.version, len(old_sizes)) == (3, 3, 1, 3 * 5)
    assert header.model_id == "" and old_header.model_id == model.model_id  # version 3: the hash alone
    assert len(old_blob) - len(blob) >= 3 * 4 * 4  # 4 flushes fewer per segment, >= 4 bytes each
    # version 2: the same streams behind the 38-byte fixed header and the model id
    v2_blob = bitstream.pack(dataclasses.replace(header, version=2, model_id=model.model_id), sizes, payload)
    compact_fields = len(bitstream.pack(header, [], b"")) - 1 - 4  # less the stream count and the CRC
    assert len(v2_blob) - len(blob) == 38 + len(model.model_id) - compact_fields > 20
    decoded = codec.decompress(blob)
    assert torch.equal(codec.decompress(old_blob), decoded) and torch.equal(codec.decompress(v2_blob), decoded)


def test_model_file_round_trip(tmp_path):
    torch.manual_seed(1)
    m = ECC(**SMALL)
    digest = save_model(m, tmp_path / "m.pt", "ecc-small", {"point_kbps": [0.5, 1.0, 2.0]})
    loaded = load_model(tmp_path / "m.pt")
    assert model_hash(loaded) == digest and loaded.model_id == "ecc-small"
    wave = speechlike(1.0, 7)
    blob = SpeechCodec(m).compress(wave, 1.0)
    assert bitstream.unpack(blob)[0].quality == 1.0 and loaded.meta["point_kbps"] == [0.5, 1.0, 2.0]
    assert torch.allclose(SpeechCodec(loaded).decompress(blob), SpeechCodec(m).decompress(blob), atol=1e-5)
    (tmp_path / "bad.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an ecc model file"):
        load_model(tmp_path / "bad.pt")


def test_other_model_and_bad_quality_are_refused(model):
    torch.manual_seed(2)
    other = ECC(**SMALL).eval()
    other.update()
    blob = SpeechCodec(model).compress(speechlike(0.5), 1.0)
    with pytest.raises(bitstream.ModelMismatch):
        SpeechCodec(other).decompress(blob)
    with pytest.raises(ValueError, match="quality must lie in"):
        SpeechCodec(model).compress(speechlike(0.5), 7.0)


def test_damaged_payloads_raise_ecc_errors(model):
    """Payload bytes changed under a valid CRC: an EccFileError or a decode, never a crash."""
    codec = SpeechCodec(model, segment_seconds=0.5)  # 2 segments: 2 streams to move bytes between
    blob = codec.compress(speechlike(1.0, 8), 2.0)
    header, sizes, payload = bitstream.unpack(blob)
    rng = random.Random(0)
    outcomes = {"error": 0, "decoded": 0}
    for _ in range(150):
        damaged = bytearray(payload)
        for _ in range(rng.choice((1, 3))):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        sizes_now = list(sizes)
        if rng.random() < 0.3:  # move bytes between streams
            i, j = rng.sample(range(len(sizes)), 2)
            shift = min(sizes_now[i], rng.randrange(1, 5))
            sizes_now[i] -= shift
            sizes_now[j] += shift
        try:
            wave = codec.decompress(bitstream.pack(header, sizes_now, bytes(damaged)))
            assert wave.shape == (header.num_samples,) and torch.isfinite(wave).all()
            outcomes["decoded"] += 1
        except bitstream.EccFileError:
            outcomes["error"] += 1
    assert outcomes["error"] > 100


def test_segment_count_must_match_the_header(model):
    codec = SpeechCodec(model)
    header, sizes, payload = bitstream.unpack(codec.compress(speechlike(0.5, 9), 1.0))
    longer = bitstream.Header(**{**header.__dict__, "num_samples": 3 * header.chunk_samples})
    with pytest.raises(bitstream.CorruptFile, match="1 coded segments for .* samples \\(expected 3\\)"):
        codec.decompress(bitstream.pack(longer, sizes, payload))


@pytest.mark.parametrize("change,message", [
    (dict(num_samples=2**40), "1099511627776 samples \\(at most 2147483648, 37 h\\)"),
    (dict(num_samples=2**62), "4611686018427387904 samples \\(at most"),
    (dict(num_samples=2**64 - 1), "18446744073709551615 samples \\(at most"),
    (dict(num_samples=2**31), "1 coded segments for 2147483648 samples \\(expected 13422\\)"),
    (dict(num_samples=10**9, chunk_samples=0), "segments of 1000000000 samples \\(at most 960000, 60 s\\)"),
    (dict(chunk_samples=2**32 - 1), "segments of 4294967295 samples"),
    (dict(chunk_samples=1), "1 coded segments for 8000 samples \\(expected 8000\\)"),
    (dict(num_samples=0), "1 coded segments for 0 samples \\(expected 0\\)"),
    (dict(quality=1e30), "quality 1.0.*e\\+30 is outside the model's \\[0, 2\\]"),
    (dict(sample_rate=8000), "sample rate 8000 Hz"),
])
def test_crafted_headers_are_refused_before_any_work(model, change, message):
    """Counts a valid CRC vouches for but the payload cannot back (issue 19): refused at once."""
    codec = SpeechCodec(model)
    header, sizes, payload = bitstream.unpack(codec.compress(speechlike(0.5, 9), 1.0))
    crafted = bitstream.pack(dataclasses.replace(header, **change), sizes, payload)
    start = time.perf_counter()
    with pytest.raises(bitstream.CorruptFile, match=f"crafted.ecc: {message}"):
        codec.decompress(crafted, "crafted.ecc")
    assert time.perf_counter() - start < 0.5


def test_streams_shorter_than_any_coder_writes_are_refused(model):
    codec = SpeechCodec(model, segment_seconds=0.25)
    header, sizes, payload = bitstream.unpack(codec.compress(speechlike(0.5, 9), 1.0))
    moved = [*sizes[:-2], sizes[-2] + sizes[-1] - 4, 4]
    with pytest.raises(bitstream.CorruptFile, match="a stream of 4 bytes \\(every coded stream has at least 8\\)"):
        codec.decompress(bitstream.pack(header, moved, payload))


def test_segments_longer_than_a_decoder_accepts_are_refused_at_the_encoder(model):
    with pytest.raises(ValueError, match="segment_seconds must be in \\(0, 60\\]"):
        SpeechCodec(model, segment_seconds=61)
