"""CUDA ops give the CPU ops' results bit for bit; streams cross devices. Skipped without a GPU."""

import math

import pytest
import torch

import ecc
from ecc.testing import gaussian_latent

from conftest import scale_table

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available() or ecc.ops.cuda_version() == 0, reason="needs a CUDA device and a CUDA build"
)


def on(device, tensors):
    return tuple(t.to(device) for t in tensors)


def test_tables_equal_cpu():
    g = torch.Generator().manual_seed(0)
    for scales in (scale_table(), torch.exp(torch.rand(200, generator=g) * math.log(3000 / 0.01) + math.log(0.01))):
        cpu = ecc.ops.gaussian_cdf_table(scales)
        cuda = ecc.ops.gaussian_cdf_table(scales.cuda())
        assert all(c.is_cuda for c in cuda)
        for a, b in zip(cpu, cuda):
            assert torch.equal(a, b.cpu())


@pytest.mark.parametrize("skip_below", [-1, 10, 64])
@pytest.mark.parametrize("batch,n", [(1, 100000), (37, 3001), (256, 200), (3, 0)])
def test_encode_bytes_equal_cpu_and_decode_across_devices(tables, batch, n, skip_below):
    symbols, indexes = gaussian_latent(n, seed=batch + n, batch=batch)
    symbols[:, ::97] += 500  # escapes
    cpu = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below)
    cuda_tables = on("cuda", tables)
    cuda = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *cuda_tables, skip_below=skip_below)
    assert cuda[0].is_cuda and cuda[1].is_cuda
    assert torch.equal(cpu[0], cuda[0].cpu()) and torch.equal(cpu[1], cuda[1].cpu())
    expected = torch.where(indexes >= skip_below, symbols, 0)
    # encoded on CPU, decoded on CUDA, and the other way round
    dec_cuda = ecc.ops.rans_decode(*on("cuda", cpu), indexes.cuda(), *cuda_tables, skip_below=skip_below)
    dec_cpu = ecc.ops.rans_decode(*on("cpu", cuda), indexes, *tables, skip_below=skip_below)
    assert torch.equal(dec_cuda.cpu(), expected) and torch.equal(dec_cpu, expected)


@pytest.mark.parametrize("skip_below", [-1, 10])
def test_decode_in_parts_equals_cpu(tables, skip_below):
    symbols, indexes = gaussian_latent(4000, seed=5, batch=9)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below)
    states = {"cpu": None, "cuda": None}
    for lo, hi in ((0, 1), (1, 1500), (1500, 1500), (1500, 4000)):
        part = indexes[:, lo:hi].contiguous()
        out = {}
        for device in states:
            out[device], states[device] = ecc.ops.rans_decode_part(*on(device, (data, sizes)), states[device],
                                                                   part.to(device), *on(device, tables), skip_below,
                                                                   finish=hi == 4000)
        assert torch.equal(out["cpu"], out["cuda"].cpu()) and torch.equal(states["cpu"], states["cuda"].cpu())
    bad = states["cuda"].clone()
    bad[3, 1] = 6
    with pytest.raises(RuntimeError, match="stream 3 has a decoder state"):
        ecc.ops.rans_decode_part(*on("cuda", (data, sizes)), bad, indexes[:, :0].cuda(), *on("cuda", tables))


def test_cuda_errors_match_cpu(tables):
    symbols, indexes = gaussian_latent(1000, seed=3, batch=2)
    cuda_tables = on("cuda", tables)
    data, sizes = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *cuda_tables)
    bad = indexes.clone()
    bad[1, 5] = 64
    with pytest.raises(RuntimeError, match="stream 1 has an index outside"):
        ecc.ops.rans_encode(symbols.cuda(), bad.cuda(), *cuda_tables)
    with pytest.raises(RuntimeError, match="stream 1 is (corrupt|truncated)"):
        corrupted = data.clone()
        corrupted[int(sizes[0]) + 12] ^= 0x5A
        ecc.ops.rans_decode(corrupted, sizes, indexes.cuda(), *cuda_tables)
    with pytest.raises(RuntimeError, match="sizes add up"):
        ecc.ops.rans_decode(data, sizes + 4, indexes.cuda(), *cuda_tables)
    cdf = cuda_tables[0].clone()
    cdf[3, 2] = cdf[3, 1]
    with pytest.raises(RuntimeError, match="cdf row 3 is not a valid quantized CDF"):
        ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), cdf, *cuda_tables[1:])
    with pytest.raises(RuntimeError, match="move all tensors to one device"):
        ecc.ops.rans_encode(symbols.cuda(), indexes, *cuda_tables)


def test_fuzz_decoder_on_cuda(tables):
    g = torch.Generator().manual_seed(4)
    indexes = gaussian_latent(500, seed=5, batch=64)[1]
    streams = torch.randint(0, 256, (64, 400), generator=g, dtype=torch.uint8)
    sizes = torch.full((64,), 400, dtype=torch.int64)
    outcome = {}
    for device in ("cpu", "cuda"):
        try:
            outcome[device] = ecc.ops.rans_decode(streams.reshape(-1).to(device), sizes.to(device), indexes.to(device), *on(device, tables)).cpu()
        except RuntimeError as e:
            outcome[device] = str(e)
    assert outcome["cpu"] == outcome["cuda"] if isinstance(outcome["cpu"], str) else torch.equal(outcome["cpu"], outcome["cuda"])


def test_opcheck_on_cuda(tables):
    symbols, indexes = gaussian_latent(300, seed=6, batch=3)
    cuda_tables = on("cuda", tables)
    torch.library.opcheck(torch.ops.ecc.gaussian_cdf_table.default, (scale_table().cuda(),))
    torch.library.opcheck(torch.ops.ecc.rans_encode.default, (symbols.cuda(), indexes.cuda(), *cuda_tables, -1))
    data, sizes = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *cuda_tables)
    torch.library.opcheck(torch.ops.ecc.rans_decode.default, (data, sizes, indexes.cuda(), *cuda_tables, -1))


@pytest.mark.parametrize("lanes", [1, 4, 32, None])
@pytest.mark.parametrize("batch,n,chunk_size", [(1, 200_000, 1 << 14), (37, 3001, 1024), (5, 0, 1 << 16), (3, 33, 32)])
@pytest.mark.parametrize("skip_below", [-1, 20])
def test_interleaved_bytes_equal_cpu_and_decode_across_devices(tables, lanes, batch, n, chunk_size, skip_below):
    symbols, indexes = gaussian_latent(n, seed=batch + n, batch=batch)
    symbols[:, ::97] += 500
    symbols[:, ::113] -= 90000
    kwargs = dict(skip_below=skip_below, format="interleaved", lanes=lanes, chunk_size=chunk_size)
    cpu = ecc.ops.rans_encode(symbols, indexes, *tables, **kwargs)
    cuda_tables = on("cuda", tables)
    cuda = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *cuda_tables, **kwargs)
    assert torch.equal(cpu[0], cuda[0].cpu()) and torch.equal(cpu[1], cuda[1].cpu())
    expected = torch.where(indexes >= skip_below, symbols, 0)
    dec_cuda = ecc.ops.rans_decode(*on("cuda", cpu), indexes.cuda(), *cuda_tables, skip_below=skip_below, format="interleaved")
    dec_cpu = ecc.ops.rans_decode(*on("cpu", cuda), indexes, *tables, skip_below=skip_below, format="interleaved")
    assert torch.equal(dec_cuda.cpu(), expected) and torch.equal(dec_cpu, expected)


def test_interleaved_cuda_errors_and_fuzz_match_cpu(tables):
    symbols, indexes = gaussian_latent(5000, seed=11, batch=2)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=8, chunk_size=512)
    g = torch.Generator().manual_seed(12)
    for trial in range(300):
        bad = data.clone()
        if trial % 2:
            pos = torch.randint(0, len(bad), (2,), generator=g)
            bad[pos] ^= torch.randint(1, 256, (2,), generator=g, dtype=torch.uint8)
        else:
            bad[int(sizes[0]) + 4 :] = torch.randint(0, 256, (len(bad) - int(sizes[0]) - 4,), generator=g, dtype=torch.uint8)
        outcome = []
        for device in ("cpu", "cuda"):
            try:
                outcome.append(ecc.ops.rans_decode(bad.to(device), sizes.to(device), indexes.to(device),
                                                   *on(device, tables), format="interleaved").cpu().tolist())
            except RuntimeError as e:
                outcome.append(str(e).split("\n")[0])
        assert outcome[0] == outcome[1], f"trial {trial}"
    compat, compat_sizes = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *on("cuda", tables))
    with pytest.raises(RuntimeError, match="no valid `interleaved` header"):
        ecc.ops.rans_decode(compat, compat_sizes, indexes.cuda(), *on("cuda", tables), format="interleaved")


def test_opcheck_interleaved_on_cuda(tables):
    symbols, indexes = gaussian_latent(300, seed=13, batch=3)
    cuda_tables = on("cuda", tables)
    args = (symbols.cuda(), indexes.cuda(), *cuda_tables, -1, 4, 64)
    torch.library.opcheck(torch.ops.ecc.rans_encode_interleaved.default, args)
    data, sizes = torch.ops.ecc.rans_encode_interleaved(*args)
    torch.library.opcheck(torch.ops.ecc.rans_decode_interleaved.default, (data, sizes, indexes.cuda(), *cuda_tables, -1))


def test_deterministic_conv1d_is_bit_identical_on_cuda():
    g = torch.Generator().manual_seed(20)
    x, w, b = torch.randn(3, 40, 77, generator=g), torch.randn(24, 40, 5, generator=g) * 0.2, torch.randn(24, generator=g)
    for activation in (None, "relu", "leaky_relu", "hardtanh"):
        cpu = ecc.ops.deterministic_conv1d(x, w, b, activation)
        cuda = ecc.ops.deterministic_conv1d(x.cuda(), w.cuda(), b.cuda(), activation)
        assert torch.equal(cpu, cuda.cpu()), activation


def test_pmf_tables_equal_cpu():
    g = torch.Generator().manual_seed(21)
    pmf = torch.rand(30, 120, generator=g) ** 5
    lengths = torch.randint(1, 121, (30,), generator=g, dtype=torch.int32)
    pmf = pmf / pmf.sum(1, keepdim=True) * 0.999
    tail = torch.full((30,), 0.001)
    cpu = ecc.ops.pmf_to_quantized_cdf(pmf, lengths, tail)
    cuda = ecc.ops.pmf_to_quantized_cdf(pmf.cuda(), lengths.cuda(), tail.cuda())
    assert all(torch.equal(a, b.cpu()) for a, b in zip(cpu, cuda))


@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_slice_context_encodes_on_one_device_and_decodes_on_the_other(format):
    from ecc.entropy import ChannelSliceContext, CoderSettings

    torch.manual_seed(22)
    model = ChannelSliceContext(channels=32, hyper_channels=16, slices=4, hidden=48, skip_below=6).eval()
    model.update()
    g = torch.Generator().manual_seed(23)
    y, hyper = torch.randn(3, 32, 101, generator=g) * 3, torch.randn(3, 16, 101, generator=g)
    coder = CoderSettings(format)
    data, sizes, y_hat = model.compress(y, hyper, coder)
    model_cuda = ChannelSliceContext(channels=32, hyper_channels=16, slices=4, hidden=48, skip_below=6).eval()
    model_cuda.load_state_dict(model.state_dict())
    model_cuda.cuda()
    data_c, sizes_c, y_hat_c = model_cuda.compress(y.cuda(), hyper.cuda(), coder)
    assert torch.equal(data, data_c.cpu()) and torch.equal(sizes, sizes_c.cpu()) and torch.equal(y_hat, y_hat_c.cpu())
    assert torch.equal(model_cuda.decompress(data.cuda(), sizes.cuda(), hyper.cuda(), coder).cpu(), y_hat)
    assert torch.equal(model.decompress(data_c.cpu(), sizes_c.cpu(), hyper, coder), y_hat)


# --- prepared tables and the zero-sync API on CUDA ------------------------------------------------

FORMATS = ["compressai", "interleaved"]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("skip_below", [-1, 12])
def test_prepared_cuda_matches_cpu(tables, format, skip_below):
    symbols, indexes = gaussian_latent(3000, seed=30, batch=5)
    symbols[:, ::89] += 700  # escapes
    prepared = ecc.ops.prepare_tables(*on("cuda", tables))
    assert all(t.is_cuda for t in prepared.tensors)
    cpu = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below, format=format)
    cuda = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), prepared, skip_below=skip_below, format=format)
    assert torch.equal(cpu[0], cuda[0].cpu()) and torch.equal(cpu[1], cuda[1].cpu())
    decoded = ecc.ops.rans_decode(*cuda, indexes.cuda(), prepared, skip_below=skip_below, format=format)
    assert torch.equal(decoded.cpu(), torch.where(indexes >= skip_below, symbols, 0))


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("batch,n", [(4, 5000), (1, 70000), (300, 33), (2, 0)])
def test_padded_cuda_matches_cpu(tables, format, batch, n):
    symbols, indexes = gaussian_latent(n, seed=31 + n, batch=batch)
    symbols[:, ::97] -= 3000
    prepared_cpu = ecc.ops.prepare_tables(*tables)
    prepared = prepared_cpu.to("cuda")
    padded, sizes, status = ecc.ops.rans_encode_padded(symbols.cuda(), indexes.cuda(), prepared, format=format)
    ref_padded, ref_sizes, ref_status = ecc.ops.rans_encode_padded(symbols, indexes, prepared_cpu, format=format)
    assert padded.is_cuda and padded.shape == ref_padded.shape  # the same bound on every device
    assert torch.equal(sizes.cpu(), ref_sizes) and torch.equal(status.cpu(), ref_status) and not status.any()
    flat = ecc.ops.rans_compact(padded, sizes)
    assert flat.is_cuda and torch.equal(flat.cpu(), ecc.ops.rans_compact(ref_padded, ref_sizes))
    decoded, status = ecc.ops.rans_decode_padded(padded, sizes, indexes.cuda(), prepared, format=format)
    assert not status.any() and torch.equal(decoded.cpu(), symbols)
    decoded, status = ecc.ops.rans_decode_padded(*on("cuda", (ref_padded, ref_sizes)), indexes.cuda(), prepared,
                                                 format=format)
    assert not status.any() and torch.equal(decoded.cpu(), symbols)


@pytest.mark.parametrize("format", FORMATS)
def test_padded_cuda_statuses_match_cpu(tables, format):
    symbols, indexes = gaussian_latent(400, seed=32, batch=4)
    bad = indexes.clone()
    bad[1, 5] = 64
    bad[3, 0] = -1
    prepared_cpu = ecc.ops.prepare_tables(*tables)
    prepared = prepared_cpu.to("cuda")
    _, sizes, status = ecc.ops.rans_encode_padded(symbols.cuda(), bad.cuda(), prepared, format=format)
    assert status.cpu().tolist() == [0, 1, 0, 1] and sizes[1] == 0 and sizes[3] == 0
    with pytest.raises(RuntimeError, match="stream 1 has an index outside"):
        ecc.ops.check_status(status, prepared, "rans_encode")
    padded, sizes, _ = ecc.ops.rans_encode_padded(symbols, indexes, prepared_cpu, format=format)
    g = torch.Generator().manual_seed(33)
    for trial in range(100):
        broken, broken_sizes = padded.clone(), sizes.clone()
        row = trial % 4
        if trial % 3 == 0:
            broken_sizes[row] -= 2 * (1 + trial % 5)
        elif trial % 3 == 1:
            broken_sizes[row] = padded.shape[1] + 1 + trial
        else:
            pos = torch.randint(0, int(sizes[row]), (3,), generator=g)
            broken[row, pos] ^= torch.randint(1, 256, (3,), generator=g, dtype=torch.uint8)
        outcome = [ecc.ops.rans_decode_padded(*on(device, (broken, broken_sizes, indexes)), prepared_cpu.to(device),
                                              format=format)[1].cpu() for device in ("cpu", "cuda")]
        assert torch.equal(outcome[0], outcome[1]), f"trial {trial}"


@pytest.mark.parametrize("format", FORMATS)
def test_padded_ops_capture_in_a_cuda_graph(tables, format):
    symbols, indexes = (t.cuda() for t in gaussian_latent(20000, seed=34, batch=8))
    prepared = ecc.ops.prepare_tables(*on("cuda", tables))
    side = torch.cuda.Stream()  # warm-up outside the capture, on a side stream (torch.cuda.graph's advice)
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        warm = ecc.ops.rans_encode_padded(symbols, indexes, prepared, format=format)
        ecc.ops.rans_decode_padded(*warm[:2], indexes, prepared, format=format)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        padded, sizes, status = ecc.ops.rans_encode_padded(symbols, indexes, prepared, format=format)
        decoded, dec_status = ecc.ops.rans_decode_padded(padded, sizes, indexes, prepared, format=format)
    symbols.copy_(symbols.flip(1))  # new inputs, same buffers
    indexes.copy_(indexes.flip(1))
    graph.replay()
    torch.cuda.synchronize()
    assert not status.any() and not dec_status.any() and torch.equal(decoded, symbols)
    layout = {"chunk_size": 0} if format == "interleaved" else {}  # the padded ops' default
    data, ref_sizes = ecc.ops.rans_encode(symbols, indexes, prepared, format=format, **layout)
    assert torch.equal(sizes, ref_sizes) and torch.equal(ecc.ops.rans_compact(padded, sizes), data)


def test_interleaved_chunk_size_from_the_batch_matches_cpu(tables):
    symbols, indexes = gaussian_latent(9000, seed=35, batch=3)
    cpu = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", chunk_size=0)
    cuda = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), *on("cuda", tables), format="interleaved", chunk_size=0)
    assert torch.equal(cpu[0], cuda[0].cpu()) and torch.equal(cpu[1], cuda[1].cpu())


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
@pytest.mark.parametrize("format", FORMATS)
def test_three_tensor_ops_on_a_device_that_is_not_current(tables, format):
    symbols, indexes = gaussian_latent(2000, seed=36, batch=3)
    with torch.cuda.device(0):
        second = on("cuda:1", tables)
        data, sizes = ecc.ops.rans_encode(symbols.to("cuda:1"), indexes.to("cuda:1"), *second, format=format)
        decoded = ecc.ops.rans_decode(data, sizes, indexes.to("cuda:1"), *second, format=format)
    assert data.device == torch.device("cuda:1") and torch.equal(decoded.cpu(), symbols)


def test_opcheck_zero_sync_on_cuda(tables):
    symbols, indexes = (t.cuda() for t in gaussian_latent(300, seed=37, batch=3))
    prepared = ecc.ops.prepare_tables(*on("cuda", tables))
    for encode, decode, extra in ((torch.ops.ecc.rans_encode_padded, torch.ops.ecc.rans_decode_padded, ()),
                                  (torch.ops.ecc.rans_encode_interleaved_padded,
                                   torch.ops.ecc.rans_decode_interleaved_padded, (4, 64))):
        # On CUDA the bytes past each stream's size are unspecified: no check that compares two runs.
        torch.library.opcheck(encode.default, (symbols, indexes, prepared.tensors, -1, *extra),
                              test_utils=("test_schema", "test_autograd_registration", "test_faketensor"))
        padded, sizes, _ = encode(symbols, indexes, prepared.tensors, -1, *extra)
        torch.library.opcheck(decode.default, (padded, sizes, indexes, prepared.tensors, -1))
        torch.library.opcheck(torch.ops.ecc.rans_compact.default, (padded, sizes))


@pytest.mark.parametrize("skip_below", [-1, 20])
def test_interleaved_tables_in_shared_and_global_memory_give_the_same_bytes(tables, monkeypatch, skip_below):
    symbols, indexes = gaussian_latent(40000, seed=38, batch=3)
    symbols[:, ::61] += 2000  # escapes
    prepared = ecc.ops.prepare_tables(*on("cuda", tables))
    kwargs = dict(skip_below=skip_below, format="interleaved", lanes=32, chunk_size=1024)
    shared = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), prepared, **kwargs)
    monkeypatch.setenv("ECC_CUDA_TABLES", "global")  # read at every launch
    globl = ecc.ops.rans_encode(symbols.cuda(), indexes.cuda(), prepared, **kwargs)
    assert torch.equal(shared[0], globl[0]) and torch.equal(shared[1], globl[1])
    decoded = ecc.ops.rans_decode(*shared, indexes.cuda(), prepared, skip_below=skip_below, format="interleaved")
    assert torch.equal(decoded.cpu(), torch.where(indexes >= skip_below, symbols, 0))
