"""ecc compress --stream / ecc decompress of stream files, and ecc stream encode | ecc stream decode."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from ecc.audio import from_pcm16, read_audio, to_pcm16, write_audio
from ecc.cli import main
from ecc.model import CausalECC
from ecc.model.weights import save_model
from ecc.streaming import StreamDecoder, StreamEncoder, read_stream_file


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    torch.manual_seed(0)
    net = CausalECC(latent_channels=8, hyper_channels=4, hyper_features=8, widths=(8, 8, 8), slices=2,
                    context_hidden=8, points=3, scale_levels=32)
    path = tmp_path_factory.mktemp("model") / "tiny-stream.pt"
    save_model(net, path, "tiny-stream")
    return path


def clip(n=9000):
    t = np.arange(n) / 16000
    return from_pcm16(to_pcm16(0.3 * np.sin(2 * np.pi * 200 * t)))


def test_compress_stream_then_decompress(tmp_path, model_file, capsys):
    wave = clip()
    write_audio(tmp_path / "in.wav", wave)
    assert main(["compress", "--stream", "--model", str(model_file), "--quality", "1",
                 str(tmp_path / "in.wav"), str(tmp_path / "out.ecc")]) == 0
    with open(tmp_path / "out.ecc", "rb") as f:
        packets = list(read_stream_file(f))
    encoder = StreamEncoder(str(model_file), quality=1)
    assert packets == encoder.push(wave) + encoder.flush()
    assert main(["decompress", "--model", str(model_file), str(tmp_path / "out.ecc"), str(tmp_path / "out.wav")]) == 0
    decoded = read_audio(tmp_path / "out.wav")
    decoder = StreamDecoder(str(model_file))
    expected = np.concatenate([decoder.push(p) for p in packets])
    np.testing.assert_array_equal(decoded, from_pcm16(to_pcm16(expected)))
    assert main(["decompress", "--model", str(model_file), str(tmp_path / "in.wav"), str(tmp_path / "x.wav")]) == 2
    assert "error" in capsys.readouterr().err


def test_stream_encode_decode_pipe(model_file):
    wave = clip(7000)
    pcm = to_pcm16(wave).astype("<i2").tobytes()
    cmd = [sys.executable, "-m", "ecc", "stream"]
    encoded = subprocess.run(cmd + ["encode", "--model", str(model_file), "--quality", "1"], input=pcm,
                             capture_output=True, check=True).stdout
    assert encoded.startswith(b"ECCS")
    decoded = subprocess.run(cmd + ["decode", "--model", str(model_file)], input=encoded, capture_output=True,
                             check=True).stdout
    assert len(decoded) == len(pcm)
    encoder, decoder = StreamEncoder(str(model_file), quality=1), StreamDecoder(str(model_file))
    expected = np.concatenate([decoder.push(p) for p in encoder.push(wave) + encoder.flush()])
    np.testing.assert_array_equal(np.frombuffer(decoded, "<i2"), to_pcm16(expected))
    garbage = subprocess.run(cmd + ["decode", "--model", str(model_file)], input=b"ECCS\x00\x05ab", capture_output=True)
    assert garbage.returncode == 2 and b"truncated" in garbage.stderr


def test_stream_files_never_replace_what_they_were_not_asked_to(tmp_path, model_file, capsys):
    write_audio(tmp_path / "in.wav", clip())
    original = (tmp_path / "in.wav").read_bytes()
    model = ["--model", str(model_file), "--quality", "1"]
    assert main(["compress", "--stream", *model, str(tmp_path / "in.wav"), str(tmp_path / "in.wav")]) == 2
    assert "is an input as well as an output" in capsys.readouterr().err
    assert (tmp_path / "in.wav").read_bytes() == original
    assert main(["compress", "--stream", *model, str(tmp_path / "in.wav"), str(tmp_path / "s.ecc")]) == 0
    (tmp_path / "out.wav").write_bytes(b"keep")
    assert main(["decompress", "--model", str(model_file), str(tmp_path / "s.ecc"), str(tmp_path / "out.wav")]) == 2
    assert (tmp_path / "out.wav").read_bytes() == b"keep"
    assert main(["decompress", "-f", "--model", str(model_file), str(tmp_path / "s.ecc"), str(tmp_path / "out.wav")]) == 0
    assert len(read_audio(tmp_path / "out.wav")) == len(clip())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav", "out.wav", "s.ecc"]  # no temporary left
