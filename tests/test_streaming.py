"""Streaming: the causal model's layers, StreamEncoder/StreamDecoder, the packet rules (docs/streaming.md)."""

import numpy as np
import pytest
import torch

from ecc.model import CausalECC
from ecc.model.causal import CausalConv1d, CausalConvTranspose1d, CausalCRMBlock, CausalSequential, CausalTimeMixing
from ecc.streaming import PacketError, StreamDecoder, StreamEncoder
from ecc.streaming.encoder import HEADER_EVERY
from ecc.streaming.packet import SEQUENCE_MODULUS, Packet, pack, unpack


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    net = CausalECC(latent_channels=8, hyper_channels=4, hyper_features=8, widths=(8, 8, 8), slices=2,
                    context_hidden=8, points=3, scale_levels=32)
    net.update()
    return net.eval()


def speech_like(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    return (0.3 * np.sin(2 * np.pi * 180 * t) * np.sin(2 * np.pi * 3 * t) + 0.02 * rng.standard_normal(n)).astype(np.float32)


def encode(model, x, quality=1.0, cuts=()):
    encoder = StreamEncoder(model, quality=quality)
    packets = []
    for piece in np.split(x, sorted(cuts)):
        packets += encoder.push(piece)
    return packets + encoder.flush()


def decode(model, packets):
    decoder = StreamDecoder(model)
    return np.concatenate([decoder.push(p) for p in packets] + [decoder.flush()])


def test_causal_layers_step_like_whole_sequences_and_ignore_the_future():
    torch.manual_seed(0)
    net = CausalSequential(CausalConv1d(3, 6, 3), CausalCRMBlock(6), CausalConv1d(6, 6, 4, 2),
                           CausalConvTranspose1d(6, 5, 4, 2), CausalCRMBlock(5)).eval()
    x = torch.randn(2, 3, 40)
    with torch.no_grad():
        whole = net(x)
        state, pieces = None, []
        for piece in x.split([2, 10, 4, 24], -1):
            y, state = net.step(piece, state)
            pieces.append(y)
        changed = net(torch.cat([x[..., :20], torch.randn(2, 3, 20)], -1))
    torch.testing.assert_close(torch.cat(pieces, -1), whole, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(changed[..., :20], whole[..., :20])


def test_time_mixing_blocks_equal_the_recurrence_frame_by_frame():
    torch.manual_seed(1)
    mixing = CausalTimeMixing(4)
    with torch.no_grad():
        mixing.decay.copy_(torch.tensor([0.0, -1.0, -3.0, -6.0]))
        x = torch.randn(2, 4, 50)
        whole, (num, den) = mixing.step(x, None)                     # blocks of 16
        state, frames = None, []
        for t in range(50):
            y, state = mixing.step(x[..., t : t + 1], state)
            frames.append(y)
        r, k, v = mixing.rkv(mixing.norm(x)).chunk(3, 1)              # the recurrence, written out
        n = d = torch.zeros(2, 4, dtype=torch.float64)
        wkv = []
        for t in range(50):
            decay, weight = torch.exp(-mixing.decay.double().exp()), torch.exp(10 * torch.tanh(k[..., t].double() / 10))
            n, d = decay * n + weight * v[..., t].double(), decay * d + weight
            wkv.append(n / d)
        reference = x + mixing.output(torch.sigmoid(r) * torch.stack(wkv, -1).float())
    torch.testing.assert_close(torch.cat(frames, -1), whole, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(whole, reference, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(state[0] / state[1], num / den)


def test_same_packets_under_any_chunking(model):
    x = speech_like(9000)
    packets = encode(model, x)
    rng = np.random.default_rng(0)
    for _ in range(3):
        cuts = rng.integers(0, len(x), rng.integers(1, 12))
        assert encode(model, x, cuts=cuts) == packets
    encoder = StreamEncoder(model, quality=1.0)
    as_torch = sum((encoder.push(torch.from_numpy(piece)) for piece in np.split(x, [0, 1, 4000])), [])
    assert as_torch + encoder.flush() == packets


def test_round_trip_is_the_models_forward_pass(model):
    x = speech_like(7777)
    y = decode(model, encode(model, x, quality=2.0))
    assert y.dtype == np.float32 and y.shape == x.shape
    with torch.no_grad():
        reference = model(torch.from_numpy(x)[None, None], 2.0)["x_hat"][0, 0].numpy()
    np.testing.assert_allclose(y, reference, atol=1e-4)


@pytest.mark.parametrize("n", [0, 1, 1119, 1120, 1121, 1280, 2560])
def test_output_length_is_the_input_length(model, n):
    assert len(decode(model, encode(model, speech_like(n)))) == n


def test_latency_stays_within_the_stated_latency(model):
    encoder, decoder = StreamEncoder(model, quality=1.0), StreamDecoder(model)
    latency = encoder.latency_ms * 16
    assert encoder.frame_samples == 1280 and encoder.latency_ms == 90.0
    x, pushed, returned = speech_like(12000), 0, 0
    for piece in np.split(x, [100, 900, 3000, 3001, 7000, 9500]):
        pushed += len(piece)
        returned += sum(len(decoder.push(p)) for p in encoder.push(piece))
        assert 0 <= pushed - returned <= latency + len(piece)


def test_lost_packets_are_concealed_with_exact_length(model):
    x = speech_like(12000)
    packets = encode(model, x)
    for lost in ([3], [0], [2, 3, 4]):
        y = decode(model, [None if i in lost else p for i, p in enumerate(packets)])
        assert y.shape == x.shape and np.isfinite(y).all()
    y = decode(model, [p for i, p in enumerate(packets) if i not in (2, 5)])  # gaps seen in the sequence numbers
    assert y.shape == x.shape


@pytest.mark.parametrize("cin, cout, kernel, stride, groups", [
    (6, 10, 3, 1, 1), (6, 10, 4, 2, 1), (8, 8, 5, 1, 8), (6, 12, 3, 1, 3)])  # dense, strided, depthwise, grouped
def test_causal_convolution_steps_equal_conv1d(cin, cout, kernel, stride, groups):
    """The steps compute their few frames as matrix products (or conv1d for other groupings):
    the same as conv1d on the input with its left context, to float rounding."""
    conv = CausalConv1d(cin, cout, kernel, stride, groups=groups)
    x = torch.randn(2, cin, 8)
    reference = torch.nn.functional.conv1d(torch.nn.functional.pad(x, (kernel - stride, 0)), conv.weight, conv.bias,
                                           stride, groups=groups)
    torch.testing.assert_close(conv(x), reference)


@pytest.mark.parametrize("kernel, stride", [(4, 2), (8, 4), (3, 2)])  # overlap-add of products; conv_transpose1d
def test_causal_transposed_convolution_steps_equal_conv_transpose1d(kernel, stride):
    conv = CausalConvTranspose1d(6, 5, kernel, stride)
    x = torch.randn(2, 6, 5)
    y, state = conv.step(x, None)
    full = torch.nn.functional.conv_transpose1d(x, conv.weight, None, stride)
    torch.testing.assert_close(y, full[..., : stride * 5] + conv.bias[:, None])
    torch.testing.assert_close(state, full[..., stride * 5 :])


def test_the_end_packets_keep_the_length_exact_when_the_final_packet_is_lost(model):
    x = speech_like(5000)
    packets = encode(model, x)
    final, end = unpack(packets[-3]), unpack(packets[-1])
    assert packets[-2] == packets[-1] and len(packets[-1]) == 3 and end.end and not final.end
    assert final.drop == end.drop and final.payload and not end.payload and end.header is None
    assert end.sequence == (final.sequence + 1) % SEQUENCE_MODULUS
    decoder = StreamDecoder(model)
    clean = [decoder.push(p) for p in packets]
    assert len(clean[-1]) == len(clean[-2]) == 0 and len(np.concatenate(clean)) == len(x)  # after the final: nothing
    final_at = len(packets) - 3
    for lost in ([final_at], [final_at, final_at + 1], [final_at - 1, final_at], [1, final_at]):
        y = decode(model, [p for i, p in enumerate(packets) if i not in lost])
        assert y.shape == x.shape and np.isfinite(y).all()
    both = decode(model, packets[:-3] + [None])  # final and end packets lost: runs on to the final packet's end
    assert len(x) < len(both) <= len(x) + 1280


def test_end_packets_carry_nothing_but_their_end_field():
    end = pack(Packet(5, None, 100, b"", end=True))
    assert unpack(end) == Packet(5, None, 100, b"", True)
    with pytest.raises(PacketError, match="corrupt end packet"):
        unpack(end + b"\x01")
    with pytest.raises(ValueError, match="nothing else"):
        pack(Packet(5, None, 100, b"\x01", end=True))
    assert unpack(pack(Packet(6, None, 100, b""))) == Packet(6, None, 100, b"")  # a final packet, empty payload


def test_an_end_marker_longer_than_a_packet_is_refused(model):
    packets = encode(model, speech_like(3000))
    decoder = StreamDecoder(model)
    decoder.push(packets[0])
    with pytest.raises(PacketError, match="corrupt end marker"):
        decoder.push(pack(Packet(1, None, 1281, b"", end=True)))


def test_duplicated_and_reordered_packets(model):
    x = speech_like(12000)
    packets = encode(model, x)
    clean = decode(model, packets)
    duplicated = decode(model, packets[:4] + [packets[3], packets[1]] + packets[4:])
    np.testing.assert_array_equal(duplicated, clean)
    swapped = packets[:3] + [packets[4], packets[3]] + packets[5:]     # 3 arrives late: concealed, then dropped
    y = decode(model, swapped)
    assert y.shape == x.shape
    np.testing.assert_array_equal(y[: 3 * 1280 - 160], clean[: 3 * 1280 - 160])


def test_garbage_and_truncated_packets_raise_packet_error_and_leave_the_state(model):
    packets = encode(model, speech_like(8000))
    decoder = StreamDecoder(model)
    out = [decoder.push(packets[0])]
    rng = np.random.default_rng(0)
    bad = [b"", packets[0][:5], bytes([0x40]) + b"\0" * 3]
    bad += [bytes(rng.integers(0, 256, rng.integers(1, 40), dtype=np.uint8)) for _ in range(200)]
    bad += [packets[1][:cut] for cut in range(1, len(packets[1]))]
    for packet in bad:
        try:
            decoder.push(packet)
        except PacketError:
            pass
    fresh = StreamDecoder(model)
    reference = [fresh.push(p) for p in packets]
    decoder = StreamDecoder(model)
    for packet, expected in zip(packets, reference):
        for garbage in bad[:3]:
            with pytest.raises(PacketError):
                decoder.push(garbage)
        np.testing.assert_array_equal(decoder.push(packet), expected)
    assert out[0].shape == reference[0].shape


def test_older_versions_are_refused(model):
    """Version 3 packets mark end packets; a version 2 (or 1) stream is refused."""
    first = bytearray(encode(model, speech_like(3000))[0])
    assert first[0] & 0x40 and first[1] == 3  # the header's version byte
    first[1] = 2
    with pytest.raises(PacketError, match="stream version 2; this ecc reads version 3"):
        StreamDecoder(model).push(bytes(first))


def test_a_header_from_another_model_is_refused(model):
    other = CausalECC(latent_channels=8, hyper_channels=4, hyper_features=8, widths=(8, 8, 8), slices=2,
                      context_hidden=8, points=3, scale_levels=32)
    other.update()
    packets = encode(model, speech_like(3000))
    with pytest.raises(PacketError, match="decode with the encoder's model"):
        StreamDecoder(other.eval()).push(packets[0])


def test_a_decoder_joins_at_a_header_packet(model):
    x = speech_like(1280 * (HEADER_EVERY + 4))
    packets = encode(model, x)
    assert len(packets[1]) > len(packets[2]) and len(packets[HEADER_EVERY]) > len(packets[HEADER_EVERY + 1])
    clean = decode(model, packets)
    decoder = StreamDecoder(model)
    assert [len(decoder.push(p)) for p in packets[HEADER_EVERY - 2 : HEADER_EVERY]] == [1120, 1280]  # no header: silence
    joined = np.concatenate([decoder.push(p) for p in packets[HEADER_EVERY:]])
    assert len(joined) == len(clean) - (HEADER_EVERY * 1280 - 160)
    assert np.isfinite(joined).all()


def test_losing_the_first_packet_costs_only_that_packet(model):
    """Packets 0 and 1 both carry the header: without packet 0 the decoder starts at packet 1 (packet 0
    concealed as silence) and the output keeps the stream's length."""
    x = speech_like(1280 * 6)
    packets = encode(model, x)
    assert unpack(packets[0]).header and unpack(packets[1]).header and not unpack(packets[2]).header
    clean = decode(model, packets)
    for lost_first in ([packets[0]], [None]):
        decoder = StreamDecoder(model)
        out = [decoder.push(None)] if lost_first == [None] else []
        y = np.concatenate(out + [decoder.push(p) for p in packets[1:]] + [decoder.flush()])
        assert y.shape == x.shape
        assert not y[: 1280 - 160].any() and np.abs(y[1280:]).max() > 0.1 * np.abs(clean).max()


def test_encoder_arguments_are_checked(model):
    with pytest.raises(ValueError, match="quality must lie"):
        StreamEncoder(model, quality=7)
    with pytest.raises(ValueError, match="no measured point_kbps"):
        StreamEncoder(model, bitrate=1.5)
    encoder = StreamEncoder(model, quality=0)
    with pytest.raises(ValueError, match=r"\(N,\) float"):
        encoder.push(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="finite"):
        encoder.push(np.array([np.nan], np.float32))
    encoder.flush()
    with pytest.raises(ValueError, match="flushed"):
        encoder.push(np.zeros(3, np.float32))


def test_bitrate_picks_the_quality_from_the_measured_rates(model, monkeypatch):
    monkeypatch.setattr(model, "meta", {"point_kbps": [1.0, 2.0, 4.0], "default_quality": 1})
    assert StreamEncoder(model, bitrate=2.0).quality == 1.0
    assert StreamEncoder(model, bitrate=2 ** 1.5).quality == pytest.approx(1.5)
    assert StreamEncoder(model).quality == 1.0
    with pytest.raises(ValueError, match="outside this model's range"):
        StreamEncoder(model, bitrate=5.0)


def test_the_shipped_streaming_model_round_trips():
    encoder, decoder = StreamEncoder(), StreamDecoder()
    assert encoder.model.model_id == "ecc-stream" and encoder.quality == encoder.model.meta["default_quality"]
    x = speech_like(4000)
    y = np.concatenate([decoder.push(p) for p in encoder.push(x) + encoder.flush()])
    assert y.shape == x.shape and np.isfinite(y).all()
