"""Training: discriminators, losses, config, the trainer's steps, resume, export and torchrun."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from ecc.model.discriminators import Discriminators
from ecc.train import MultiScaleMelLoss, RateDistortionLoss, Trainer, load_config, rate_bits
from ecc.train.cli import add_parser
from ecc.train.config import TrainConfig
from ecc.train.data import ResumableSampler, dev_clips, train_dataset
from ecc.train.losses import (CompressedSpectrumLoss, discriminator_loss, feature_matching_loss,
                              generator_adversarial_loss, mel_filterbank)

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "configs" / "tiny.toml"


def tiny(tmp_path: Path, *overrides: str) -> TrainConfig:
    return load_config(TINY, [f"run_dir={tmp_path / 'run'}", *overrides])


def fixed_batch(n: int = 2, samples: int = 4000) -> torch.Tensor:
    from ecc.eval.synthetic import speech_like

    return torch.stack([torch.from_numpy(speech_like(samples / 16000, seed=i))[None] for i in range(n)])


# -- discriminators and losses -------------------------------------------------------------------

def test_discriminator_shapes_and_size():
    disc = Discriminators()
    logits, features = disc(torch.randn(3, 1, 4000))
    assert len(logits) == len(features) == 5 + 3  # periods 2, 3, 5, 7, 11 and three STFT sizes
    for period, t in zip((2, 3, 5, 7, 11), logits):
        assert t.shape[0] == 3 and t.shape[1] == 1 and t.shape[-1] == period
    assert all(t.shape[:2] == (3, 1) for t in logits[5:])
    assert all(len(maps) == 5 and all(m.shape[0] == 3 for m in maps) for maps in features)
    for family in disc.families:
        for sub in family.discriminators:
            assert sum(p.numel() for p in sub.parameters()) < 300_000
    only_stft = Discriminators(periods=[], stft_ffts=[256])
    assert len(only_stft(torch.randn(1, 1, 1000))[0]) == 1
    with pytest.raises(ValueError, match="at least one"):
        Discriminators(periods=[], stft_ffts=[])


def test_magnitude_discriminator_family():
    disc = Discriminators(periods=[2], stft_ffts=[512, 256], stft_channels=8, spectral="magnitude")
    logits, features = disc(torch.randn(2, 1, 4000))
    assert len(logits) == 1 + 2 and all(t.shape[:2] == (2, 1) for t in logits[1:])
    assert [t.shape[-1] for t in logits[1:]] == [257 // 16 + 1, 129 // 16 + 1]  # four halvings of the bins
    assert all(len(maps) == 5 for maps in features[1:])
    with pytest.raises(ValueError, match="complex, magnitude"):
        Discriminators(spectral="phase")


def test_mel_loss_zero_for_identical_inputs_and_positive_otherwise():
    mel = MultiScaleMelLoss()
    x = fixed_batch()
    assert torch.equal(mel(x, x), torch.zeros(2))
    loss = mel(x + 0.01 * torch.randn_like(x), x)
    assert loss.shape == (2,) and bool((loss > 0).all())
    # 0.5 x is 6 dB down: log10(0.5) = -0.301 wherever the signal is above the floor
    assert float(mel(0.5 * x, x).mean()) == pytest.approx(0.301, abs=0.06)


def test_mel_filterbank():
    fb = mel_filterbank(512, 64)
    assert fb.shape == (257, 64) and float(fb.min()) == 0.0 and float(fb.max()) <= 1.0
    assert bool((fb.sum(0) > 0).all())  # no empty band
    peaks = fb.argmax(0)
    assert bool((peaks[1:] >= peaks[:-1]).all())  # bands rise with frequency
    with pytest.raises(ValueError, match="n_mels"):
        MultiScaleMelLoss([256], [200])


def test_compressed_spectrum_loss_scores_the_phase_or_the_magnitudes():
    x = fixed_batch(2, 8000)
    complex_loss = CompressedSpectrumLoss([256, 512])
    magnitude_loss = CompressedSpectrumLoss([256, 512], phase=False)
    assert torch.equal(complex_loss(x, x), torch.zeros(2))
    silence = complex_loss(torch.zeros_like(x), x)  # the mean compressed power |X| ** 0.6 per item
    assert bool((silence > 0).all())
    # -x has x's magnitudes (the mel and magnitude losses see nothing) and every phase turned by pi
    assert float(MultiScaleMelLoss()(-x, x).abs().max()) < 1e-6
    assert float(magnitude_loss(-x, x).abs().max()) < 1e-6
    assert torch.allclose(complex_loss(-x, x), 4 * silence, rtol=1e-4)
    assert bool((magnitude_loss(0.5 * x, x) > 0).all())
    with pytest.raises(ValueError, match="FFT size"):
        CompressedSpectrumLoss([])


def test_rate_bits_and_rd_loss_units():
    likelihoods = {"y": torch.full((2, 4, 10), 0.5), "z": torch.full((2, 2, 5), 0.25)}
    assert torch.equal(rate_bits(likelihoods), torch.tensor([40.0 + 20.0, 60.0]))
    x = fixed_batch(2, 8000)  # 0.5 s: 60 bits = 0.12 kbit/s
    x_hat = 0.5 * x
    loss = RateDistortionLoss([1.0, 10.0], w_l1=2.0)
    terms = loss(x, {"x_hat": x_hat, "likelihoods": likelihoods}, torch.tensor([0, 1]))
    assert float(terms["rate_kbps"]) == pytest.approx(0.12)
    mel = loss.mel(x_hat, x)
    l1 = (x_hat - x).abs().mean((1, 2))
    expected = (0.12 + torch.tensor([1.0, 10.0]) * (mel + 2.0 * l1)).mean()
    assert float(terms["loss"]) == pytest.approx(float(expected), rel=1e-5)
    assert float(terms["adv"]) == float(terms["fm"]) == float(terms["complex"]) == float(terms["magnitude"]) == 0.0
    spectral = RateDistortionLoss([1.0, 10.0], w_l1=2.0, w_complex=0.5, w_magnitude=3.0)
    terms = spectral(x, {"x_hat": x_hat, "likelihoods": likelihoods}, torch.tensor([0, 1]))
    complex_error, magnitude_error = spectral.complex_spectrum(x_hat, x), spectral.magnitude_spectrum(x_hat, x)
    expected = (0.12 + torch.tensor([1.0, 10.0]) * (mel + 0.5 * complex_error + 3.0 * magnitude_error + 2.0 * l1)).mean()
    assert float(terms["loss"]) == pytest.approx(float(expected), rel=1e-5)
    assert float(terms["complex"]) == pytest.approx(float(complex_error.mean()), rel=1e-5)
    assert float(terms["magnitude"]) == pytest.approx(float(magnitude_error.mean()), rel=1e-5)
    per_point = RateDistortionLoss([1.0, 10.0], w_complex=[0.0, 0.5])  # the phase term at the top point only
    terms = per_point(x, {"x_hat": x_hat, "likelihoods": likelihoods}, torch.tensor([0, 1]))
    expected = (0.12 + torch.tensor([1.0, 10.0]) * (mel + torch.tensor([0.0, 0.5]) * complex_error)).mean()
    assert float(terms["loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_one_complex_weight_per_point_or_one_number():
    values = {"stage1": {"steps": 1}, "loss": {"lambdas": [1.0, 2.0, 3.0], "w_complex": [0.0, 1.0]}}
    with pytest.raises(ValueError, match="w_complex has 2 weights for 3 operating points"):
        TrainConfig.from_dict(values)
    values["loss"]["w_complex"] = [0.0, 0.0, 1.0]
    assert TrainConfig.from_dict(values).loss.w_complex == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("kind, real_value, fake_value", [("hinge", 2.0, -2.0), ("lsgan", 1.0, 0.0)])
def test_adversarial_losses(kind, real_value, fake_value):
    real, fake = [torch.full((2, 1, 3), real_value)], [torch.full((2, 1, 3), fake_value)]
    assert float(discriminator_loss(real, fake, kind)) == 0.0  # perfect discrimination
    assert torch.equal(generator_adversarial_loss(real, kind), torch.zeros(2))
    assert bool((generator_adversarial_loss(fake, kind) > 0).all())
    with pytest.raises(ValueError, match="hinge"):
        discriminator_loss(real, fake, "wgan")


def test_feature_matching_is_relative():
    real = [[torch.ones(2, 4, 8), 10 * torch.ones(2, 4, 8)]]
    fake = [[torch.zeros(2, 4, 8), 5 * torch.ones(2, 4, 8)]]
    assert torch.allclose(feature_matching_loss(real, fake), torch.full((2,), 0.75))  # (1 + 0.5) / 2


# -- configuration -------------------------------------------------------------------------------

def test_configs_parse_and_match_the_model():
    from ecc.model import build_model

    for path in sorted((ROOT / "configs").glob("*.toml")):
        config = load_config(path)
        assert len(config.loss.lambdas) == build_model(config.model).points, path
        assert config.stage1.skip_below == 0 and config.total_steps > 0


def test_config_overrides_and_errors(tmp_path):
    config = tiny(tmp_path, "loss.w_adv=0.25", "loss.lambdas=[1, 2]", "data.root=some/where", "model.points=2")
    assert config.loss.w_adv == 0.25 and config.loss.lambdas == [1, 2] and config.data.root == "some/where"
    with pytest.raises(ValueError, match="loss.w_foo"):
        tiny(tmp_path, "loss.w_foo=1")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        tiny(tmp_path, "loss.w_adv")
    with pytest.raises(ValueError, match="stage1.skip_below"):
        tiny(tmp_path, "stage1.skip_below=3")
    with pytest.raises(ValueError, match="no config file"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="one lambda per point"):
        Trainer(tiny(tmp_path, "loss.lambdas=[1, 2, 3]"))


def test_learning_rate_decays_over_the_last_steps_of_a_stage(tmp_path):
    config = tiny(tmp_path, "optim.lr=1e-3", "stage1.steps=4", "stage2.steps=10", "stage2.lr=4e-4",
                  "stage2.lr_end=1e-4", "stage2.decay_steps=4")
    lrs = [config.codec_lr(step) for step in range(14)]
    assert lrs[:4] == [1e-3] * 4 and lrs[4:10] == [4e-4] * 6          # stage 1, stage 2 before the decay
    assert lrs[10] == pytest.approx(4e-4) and lrs[12] == pytest.approx(2.5e-4)  # half way down
    assert all(a > b for a, b in zip(lrs[10:], lrs[11:])) and lrs[13] > 1e-4
    assert config.codec_lr(14) == pytest.approx(1e-4)
    whole = tiny(tmp_path, "stage1.steps=0", "stage2.steps=8", "stage2.lr=1e-3", "stage2.lr_end=0.0")
    assert whole.codec_lr(0) == pytest.approx(1e-3) and whole.codec_lr(4) == pytest.approx(5e-4)
    trainer = Trainer(tiny(tmp_path, "stage1.steps=0", "stage2.steps=4", "stage2.lr=1e-3", "stage2.lr_end=0.0"))
    trainer.train_step(fixed_batch())
    trainer.train_step(fixed_batch())
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(0.5e-3 * (1 + 0.5 ** 0.5))  # step 1 of 4
    with pytest.raises(ValueError, match="stage2.decay_steps"):
        tiny(tmp_path, "stage2.steps=4", "stage2.decay_steps=5")
    with pytest.raises(ValueError, match="stage2.lr_end"):
        tiny(tmp_path, "stage2.lr_end=-1.0")


def test_sampler_resumes_and_shards():
    full = ResumableSampler(10, seed=3)
    stream = [i for i, _ in zip(full, range(25))]
    assert sorted(stream[:10]) == list(range(10)) and stream[:10] != stream[10:20]  # epochs reshuffle
    assert [i for i, _ in zip(ResumableSampler(10, seed=3, start=7), range(18))] == stream[7:25]
    ranks = [[i for i, _ in zip(ResumableSampler(10, r, 3, seed=3), range(3))] for r in range(3)]
    assert len({i for share in ranks for i in share}) == 9  # disjoint shares, one item dropped


def _corpus(root: Path, splits=(("train", 1.0), ("train", 0.5), ("dev", 0.75), ("dev", 1.5), ("dev", 0.5))) -> None:
    """A built corpus in miniature: synthetic files and their manifest.csv."""
    import csv

    import numpy as np
    import soundfile

    from ecc.eval.synthetic import speech_like

    rows = []
    for i, (split, seconds) in enumerate(splits):
        path = f"{split}/{i}.wav"
        (root / split).mkdir(parents=True, exist_ok=True)
        soundfile.write(root / path, (speech_like(seconds, seed=i) * 32767).astype(np.int16), 16000)
        rows.append({"split": split, "path": path, "seconds": seconds})
    with open(root / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, ["split", "path", "seconds"])
        writer.writeheader()
        writer.writerows(rows)


def test_corpus_crops_and_whole_dev_files(tmp_path):
    _corpus(tmp_path)
    config = tiny(tmp_path, "data.dataset=speech", f"data.root={tmp_path}", "data.val_clips=2", "data.val_seconds=1.0").data
    crops = train_dataset(config, seed=0)
    assert crops[0].shape == (1, 4000) and crops[0].dtype == torch.float32  # tiny: 0.25-s crops
    clips = dev_clips(config, seed=0)  # files 0 and 1 of the three dev files, the second cut to 1 s
    assert [c.shape for c in clips] == [(1, 12000), (1, 16000)]


# -- the trainer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stage", [1, 2])
def test_loss_decreases_on_a_fixed_batch(tmp_path, stage):
    steps = "stage1.steps=0" if stage == 2 else "stage2.steps=0"
    config = tiny(tmp_path, steps, "stage1.steps=12" if stage == 1 else "stage2.steps=12",
                  "adv_start_step=1000", "optim.lr=3e-3")
    trainer = Trainer(config)
    x, point = fixed_batch(), torch.tensor([0, 1])
    losses = [float(trainer.train_step(x, point)["loss"]) for _ in range(12)]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert trainer.net.skip_below == (4 if stage == 2 else 0)
    assert sum(losses[-3:]) < 0.8 * sum(losses[:3]), losses


def test_adversarial_step_is_finite(tmp_path):
    trainer = Trainer(tiny(tmp_path, "adv_start_step=0"))
    before = [p.detach().clone() for p in trainer.disc.parameters()]
    terms = trainer.train_step(fixed_batch())
    assert all(bool(torch.isfinite(v)) for v in terms.values())
    assert float(terms["adv"]) > 0 and float(terms["fm"]) > 0 and float(terms["disc"]) > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.disc.parameters()))


def _state(path: Path) -> dict:
    return torch.load(path, weights_only=True)


def _assert_same(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{where}[{i}]")
    else:
        assert a == b, where


def test_resume_continues_exactly_and_export_loads(tmp_path):
    from ecc.model.weights import load_model

    both = ("stage1.steps=2", "stage2.steps=2", "adv_start_step=1", "checkpoint_every=2")
    straight = Trainer(tiny(tmp_path / "a", *both))
    straight.fit()
    first = Trainer(tiny(tmp_path / "b", *both, "stage2.steps=0"))
    first.fit()
    with pytest.raises(ValueError, match="--resume"):
        Trainer(tiny(tmp_path / "b", *both)).fit()
    resumed = Trainer(tiny(tmp_path / "b", *both))
    resumed.fit(resume=True)
    assert resumed.step == 4 and resumed.net.skip_below == 4
    a, b = (_state(t.latest_checkpoint()) for t in (straight, resumed))
    assert a["step"] == b["step"] == 4
    for key in ("model", "discriminator", "opt_g", "opt_d", "opt_aux"):
        _assert_same(a[key], b[key], key)
    log = [json.loads(line) for line in (tmp_path / "b" / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if r["kind"] == "train"] == [2, 4]
    assert {f"p{p}/{m}" for p in (0, 1) for m in ("mel", "kbps")} <= log[-1].keys()

    path = tmp_path / "b" / "run" / "model.pt"
    blob = torch.load(path, weights_only=True)
    assert blob["config"] == resumed.net.config and blob["meta"]["point_kbps"] == resumed.point_kbps
    model = load_model(path)
    assert model.skip_below == 4
    x = fixed_batch(1, 8000)
    resumed.net.eval()
    with torch.no_grad():
        assert torch.equal(model(x, torch.tensor([1]))["x_hat"], resumed.net(x, torch.tensor([1]))["x_hat"])


def test_init_from_a_model_file(tmp_path):
    from ecc.model.weights import save_model

    source = Trainer(tiny(tmp_path / "a"))
    source.train_step(fixed_batch())
    path = tmp_path / "source.pt"
    save_model(source.net, path, "source")
    tuned = Trainer(tiny(tmp_path / "b", f"init='{path}'"))
    _assert_same(tuned.net.state_dict(), source.net.state_dict())
    other = tmp_path / "other.pt"
    save_model(Trainer(tiny(tmp_path / "c", "model.latent_channels=4")).net, other, "other")
    with pytest.raises(ValueError, match="architecture"):
        Trainer(tiny(tmp_path / "d", f"init='{other}'"))


def test_frozen_parameters_keep_their_values(tmp_path):
    trainer = Trainer(tiny(tmp_path, "optim.frozen=['log_gain']"))
    before = {name: t.clone() for name, t in trainer.net.state_dict().items()}
    trainer.train_step(fixed_batch())
    after = trainer.net.state_dict()
    assert torch.equal(after["log_gain"], before["log_gain"])
    assert not torch.equal(after["log_inverse_gain"], before["log_inverse_gain"])
    with pytest.raises(ValueError, match="log_gains"):
        Trainer(tiny(tmp_path / "b", "optim.frozen=['log_gains']"))


def test_decoder_only_keeps_the_bitstream_and_trains_the_decoder(tmp_path):
    trainer = Trainer(tiny(tmp_path, "decoder_only=true", "adv_start_step=0", "discriminator.segment=1024",
                           "discriminator.spectral='magnitude'", "optim.lr=1e-3"))
    before = {name: t.clone() for name, t in trainer.net.state_dict().items()}
    x = fixed_batch()
    trainer.train_step(x, torch.tensor([0, 1]))
    terms = trainer.train_step(x, torch.tensor([0, 1]))
    assert all(bool(torch.isfinite(v)) for v in terms.values()) and float(terms["adv"]) > 0
    after = trainer.net.state_dict()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed and all(name.startswith(("g_s.", "log_inverse_gain")) for name in changed), changed
    assert "log_inverse_gain" in changed and float(terms["rate_kbps"]) > 0 and float(terms["aux"]) == 0
    real, fake = trainer._segments(x, x + 1)
    assert real.shape == fake.shape == (2, 1, 1024) and torch.equal(fake, real + 1)


def test_narrowband_augmentation(tmp_path):
    import numpy as np

    from ecc.narrowband import mu_law, telephone, through_8k
    from ecc.train.data import Narrowband

    wave = fixed_batch(1, 16000)[0, 0].numpy()
    spectrum = lambda w: np.abs(np.fft.rfft(w))  # noqa: E731  1 Hz bins
    assert spectrum(wave)[4500:].sum() > 1e-2 * spectrum(wave).sum()
    for seed in range(6):  # every channel: the same length, nothing left above 4.2 kHz
        narrow = telephone(wave, np.random.default_rng(seed))
        assert narrow.shape == wave.shape and narrow.dtype == np.float32
        assert spectrum(narrow)[4200:].sum() < 1e-2 * spectrum(narrow).sum()
    assert through_8k(wave).shape == wave.shape
    assert np.abs(mu_law(wave) - wave).max() < 0.02 and np.abs(mu_law(wave) - wave).max() > 0
    config = tiny(tmp_path, "data.narrowband=1.0")
    dataset = train_dataset(config.data, 0)
    assert isinstance(dataset, Narrowband) and dataset[0].shape == dataset.dataset[0].shape
    assert not torch.equal(dataset[0], dataset.dataset[0])
    with pytest.raises(ValueError, match="data.narrowband"):
        tiny(tmp_path, "data.narrowband=2")


def test_added_points_keep_the_old_ones_and_widen_the_rates(tmp_path):
    from ecc.model.weights import load_model, save_model
    from ecc.train.points import add_points, main

    source = Trainer(tiny(tmp_path / "a")).net.eval()
    source.update()
    wider = add_points(source, below=[0.5, 1.0], above=[0.7]).eval()
    wider.update()
    assert wider.points == source.points + 3
    assert torch.allclose(wider.log_gain[:2], source.log_gain[:1] - torch.tensor([[1.0], [0.5]]))
    assert torch.allclose(wider.log_inverse_gain[-1], source.log_inverse_gain[-1] - 0.7)
    x = fixed_batch(1, 8000)
    for point in range(source.points):  # the old points code and decode exactly as before
        old, new = source.compress(x, float(point)), wider.compress(x, float(point + 2))
        assert torch.equal(old["strings"][0], new["strings"][0])
    sizes = [int(wider.compress(x, float(q))["strings"][1].sum()) for q in range(wider.points)]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[-2]  # (an untrained model's low points code ~nothing)
    with pytest.raises(ValueError, match="distinct and > 0"):
        add_points(source, below=[0.5, 0.5])
    with pytest.raises(ValueError, match="> 0"):
        add_points(source, above=[-0.1])
    path, target = tmp_path / "source.pt", tmp_path / "wider.pt"
    save_model(source, path, "tiny")
    main([str(path), str(target), "--below", "0.5", "--above", "0.7", "0.3"])
    loaded = load_model(target)
    assert loaded.points == source.points + 3 and loaded.model_id == "tiny+1+2"
    assert "point_kbps" not in loaded.meta  # to be measured again (ecc.train.ship)


def test_steady_partials_advance_a_quarter_turn_per_bin_in_80_samples():
    """The phase advance ecc.train.overlap gives the in-between frames, and hop-80 synthesis."""
    from ecc.model.stft import N_FFT, SpectralFrontEnd

    front = SpectralFrontEnd()
    t = torch.arange(16000, dtype=torch.float64)
    for k in (3, 10, 37):
        x = torch.cos(2 * torch.pi * k / N_FFT * t + 0.4)
        spec = torch.stft(x, N_FFT, 80, window=torch.hann_window(N_FFT, dtype=torch.float64), return_complex=True)
        turn = spec[k, 5:-5:2] / spec[k, 4:-6:2]
        assert torch.allclose(turn / turn.abs(), torch.polar(torch.ones(()), torch.tensor(torch.pi / 2 * k)).to(turn),
                              atol=1e-6)
    x = torch.nn.functional.pad(fixed_batch(1, 12000)[:, 0], (0, 800))  # zeros under the dropped last frame
    features = front.analysis(x[:, None], hop=80)
    assert features.shape == (1, 322, 160)
    wave = front.synthesis(features, 12800, hop=80)
    assert torch.allclose(wave[:, 0], x, atol=1e-4)


def test_overlap_decoder_codes_the_same_streams_and_starts_from_the_old_frames(tmp_path):
    from ecc.model import CausalECC, ECC
    from ecc.model.weights import load_model, save_model
    from ecc.streaming.init import causal_from
    from ecc.train.overlap import main, widened

    source = Trainer(tiny(tmp_path / "a")).net.eval()
    source.update()
    wide = widened(source).eval()
    wide.update()
    assert wide.synthesis_hop == 80 and wide.config == {**source.config, "synthesis_hop": 80}
    x = fixed_batch(2, 8000)
    for point in range(source.points):
        old, new = source.compress(x, float(point)), wide.compress(x, float(point))
        assert torch.equal(old["strings"][0], new["strings"][0])
        decoded = wide.decompress(new["strings"], new["shape"], float(point), x.shape[-1])
        assert decoded["x_hat"].shape == x.shape and torch.equal(decoded["x_hat"], wide(x, float(point))["x_hat"])
    y_hat = wide.quantize(x, 1.0)["y_hat"]
    inverse_gain = wide._gains(1.0, 2)[1]
    magnitude, phase = source._spectrum(y_hat, inverse_gain)
    wide_magnitude, wide_phase = wide._spectrum(y_hat, inverse_gain)
    assert wide_magnitude.shape[-1] == 2 * magnitude.shape[-1]
    assert torch.equal(wide_magnitude[..., ::2], magnitude) and torch.equal(wide_magnitude[..., 1::2], magnitude)
    assert torch.equal(wide_phase[..., ::2], phase)
    advance = torch.pi / 2 * torch.arange(161.0)[:, None]
    assert torch.allclose(wide_phase[..., 1::2], phase + advance, atol=1e-4)
    with pytest.raises(ValueError, match="hop of 160"):
        widened(wide)
    with pytest.raises(ValueError, match="synthesis_hop"):
        ECC(synthesis_hop=120)
    with pytest.raises(ValueError, match="streaming"):
        CausalECC(synthesis_hop=80)
    path, target = tmp_path / "source.pt", tmp_path / "wide.pt"
    save_model(source, path, "tiny")
    main([str(path), str(target)])
    loaded = load_model(target)
    assert loaded.model_id == "tiny-overlap" and loaded.synthesis_hop == 80
    causal = causal_from(str(target))  # the streaming model's start keeps the frames at the old times
    assert causal.synthesis_hop == 160
    assert torch.equal(causal.g_s[-1].weight, loaded.g_s[-1].weight[:322])
    with pytest.raises(SystemExit, match="exists"):
        main([str(path), str(target)])


def test_time_limit_stops_cleanly(tmp_path):
    config = tiny(tmp_path, "max_minutes=1e-6", "checkpoint_every=100")
    trainer = Trainer(config)
    assert trainer.fit() == tmp_path / "run" / "model.pt"
    assert trainer.step == 1 and trainer.latest_checkpoint().name == "step-00000001.pt"


def test_cli_parser():
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "--config", "c.toml", "--resume", "--max-minutes", "5",
                              "--set", "seed=1", "--set", "loss.w_adv=0.2"])
    assert (args.config, args.resume, args.max_minutes, args.set) == ("c.toml", True, 5.0, ["seed=1", "loss.w_adv=0.2"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("torchrun") is None, reason="torchrun is not on PATH")
def test_torchrun_two_processes(tmp_path):
    run_dir = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = ["torchrun", "--standalone", "--nproc_per_node=2", "-m", "ecc.train", "--config", str(TINY),
               "--run-dir", str(run_dir), "--set", "threads=1", "--set", "stage1.steps=2", "--set", "stage2.steps=1",
               "--set", "adv_start_step=1", "--set", "checkpoint_every=2"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["step-00000002.pt", "step-00000003.pt"]
    assert (run_dir / "model.pt").is_file() and _state(run_dir / "checkpoints" / "step-00000003.pt")["step"] == 3
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if r["kind"] == "train"] == [2, 3]
    assert result.stdout.count("done at step 3/3") == 1  # rank 0 alone reports


def test_subset_for_a_gpu_machine_reads_like_the_corpus(tmp_path):
    from ecc.data import dev_files
    from ecc.train.subset import main, subset

    _corpus(tmp_path / "full", [("train", 0.5)] * 6 + [("dev", 0.5)] * 3)
    assert subset(tmp_path / "full", tmp_path / "small", minutes=1.5 / 60, dev=2) == pytest.approx(1.5 / 60)
    crops = train_dataset(tiny(tmp_path, "data.dataset=speech", f"data.root={tmp_path / 'small'}").data, seed=0)
    assert [p.name for p in crops.files] == ["0.flac", "2.flac", "4.flac"]  # every other train file
    assert [p.name for p in dev_files(tmp_path / "small")] == ["6.flac", "7.flac"]
    assert crops[0].shape == (1, 4000)
    with pytest.raises(SystemExit):
        main([str(tmp_path / "full"), str(tmp_path / "small")])  # already a corpus there


def test_gpu_train_script_dry_run(tmp_path):
    """benchmarks/gpu_train.sh's CPU path: a few decoder-only adversarial steps, the model file in $OUT."""
    from ecc.model.weights import load_model

    env = {**os.environ, "DRY_RUN": "1", "OUT": str(tmp_path / "out"), "RUN_DIR": str(tmp_path / "run")}
    result = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_train.sh")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert load_model(tmp_path / "out" / "model.pt").points == 2
    log = [json.loads(line) for line in (tmp_path / "out" / "log.jsonl").read_text().splitlines()]
    assert any(r["kind"] == "train" and r["adv"] > 0 for r in log)
