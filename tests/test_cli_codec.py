"""ecc compress / decompress / info / demo on real files, with a small random model."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile
import torch

from ecc import bitstream
from ecc.cli import main
from ecc.model import ECC
from ecc.model.weights import save_model

SMALL = dict(latent_channels=16, hyper_channels=8, hyper_features=32, widths=(32, 48, 64), slices=4,
             context_hidden=32, points=3)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "small.pt"
    save_model(ECC(**SMALL), path, "ecc-small", {"point_kbps": [0.8, 1.6, 3.2]})
    return str(path)


def _tone(path, seconds=1.0, rate=16000, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    soundfile.write(path, np.repeat(wave[:, None], channels, 1).astype(np.float32), rate)


def test_compress_info_decompress(tmp_path, model_file, capsys):
    _tone(tmp_path / "a.wav", 1.5, rate=44100, channels=2)
    assert main(["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc"), "--model", model_file,
                 "--bitrate", "1.5"]) == 0
    out, err = capsys.readouterr()
    assert "a.ecc" in out and "mixed down to mono" in err
    achieved = 8 * (tmp_path / "a.ecc").stat().st_size / 1.5 / 1000  # --bitrate: the file's own rate
    assert abs(achieved / 1.5 - 1) <= 0.10 and f"{achieved:.2f} kbps (quality " in out
    assert main(["info", str(tmp_path / "a.ecc")]) == 0
    info = capsys.readouterr().out
    size = (tmp_path / "a.ecc").stat().st_size
    header, _, payload = bitstream.read(tmp_path / "a.ecc")
    assert f"file        {size} bytes = {8 * size / 1.5 / 1000:.3f} kbps" in info  # bits over duration
    assert f"payload     {len(payload)} bytes" in info
    # version 3 stores no model id; ecc info names the shipped model only when the hash is its
    assert f"model       not the shipped model, hash {header.model_hash.hex()}\n" in info
    assert main(["decompress", str(tmp_path / "a.ecc"), str(tmp_path / "a.out.wav"), "--model", model_file]) == 0
    decoded, rate = soundfile.read(tmp_path / "a.out.wav")
    assert rate == 16000 and len(decoded) == 24000


def test_info_names_the_shipped_model(tmp_path, capsys):
    _tone(tmp_path / "a.wav", 0.5)
    assert main(["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc")]) == 0  # the shipped model
    capsys.readouterr()
    assert main(["info", str(tmp_path / "a.ecc")]) == 0
    header = bitstream.read(tmp_path / "a.ecc")[0]
    assert header.model_id == ""
    assert f"model       ecc-default (shipped with ecc) hash {header.model_hash.hex()}\n" in capsys.readouterr().out


def test_folders_and_many_files(tmp_path, model_file):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    _tone(tmp_path / "in" / "x.wav", 0.7)
    _tone(tmp_path / "in" / "sub" / "y.flac", 1.2)
    soundfile.write(tmp_path / "in" / "empty.wav", np.zeros(0, np.float32), 16000)
    assert main(["compress", str(tmp_path / "in"), str(tmp_path / "coded"), "--model", model_file, "--quality", "0.5"]) == 0
    coded = sorted(p.relative_to(tmp_path / "coded").as_posix() for p in (tmp_path / "coded").rglob("*.ecc"))
    assert coded == ["empty.ecc", "sub/y.ecc", "x.ecc"]
    assert main(["decompress", str(tmp_path / "coded"), str(tmp_path / "out"), "--model", model_file]) == 0
    assert soundfile.info(tmp_path / "out" / "sub" / "y.wav").frames == 19200
    assert soundfile.info(tmp_path / "out" / "empty.wav").frames == 0


def test_demo_prints_rate_and_quality(model_file, capsys):
    assert main(["demo", "--model", model_file, "--quality", "1"]) == 0
    out = capsys.readouterr().out
    assert "demo.wav" in out and "kbps" in out and "PESQ-WB" in out


@pytest.fixture(scope="module")
def files(tmp_path_factory, model_file):
    tmp = tmp_path_factory.mktemp("errors")
    _tone(tmp / "a.wav", 0.3)
    (tmp / "bad.ecc").write_bytes(b"RIFF....not ecc")
    torch.manual_seed(5)
    save_model(ECC(**SMALL), tmp / "other.pt", "ecc-other")
    main(["compress", str(tmp / "a.wav"), str(tmp / "a.ecc"), "--model", model_file])
    return {"bad": tmp / "bad.ecc", "ecc": tmp / "a.ecc", "other": tmp / "other.pt", "wav": tmp / "a.wav",
            "out": tmp / "out"}


@pytest.mark.parametrize("argv, message", [
    (["compress", "/no/such.wav", "{out}.ecc"], "does not exist"),
    (["decompress", "{bad}", "{out}.wav"], "not an .ecc file"),
    (["decompress", "{ecc}", "{out}.wav", "--model", "{other}"], "model"),
    (["compress", "{wav}", "{out}.ecc", "--quality", "9"], "quality must lie in"),
    (["compress", "{wav}", "{out}.ecc", "--device", "cuda"], "cuda"),
])
def test_user_errors_exit_2_with_one_line(files, model_file, argv, message, capsys):
    argv = [a.format(**files) for a in argv]
    if "--model" not in argv:
        argv += ["--model", model_file]
    if "cuda" in argv and torch.cuda.is_available():
        pytest.skip("CUDA present")
    capsys.readouterr()
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_errors_print_no_traceback(files, model_file):
    result = subprocess.run([sys.executable, "-m", "ecc", "decompress", str(files["bad"]), "x.wav", "--model",
                             model_file], capture_output=True, text=True, timeout=120, cwd=files["out"].parent)
    assert result.returncode == 2 and result.stderr.startswith("ecc decompress: error:")
    assert len(result.stderr.strip().splitlines()) == 1
