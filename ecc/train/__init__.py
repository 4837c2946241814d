"""Training of the ECC codec: losses, configuration, the (torchrun-ready) training loop and ``ecc train``."""

from .config import TrainConfig, load_config
from .losses import MultiScaleMelLoss, RateDistortionLoss, rate_bits
from .trainer import Trainer, real_bitrate, train

__all__ = ["MultiScaleMelLoss", "RateDistortionLoss", "TrainConfig", "Trainer", "load_config",
           "rate_bits", "real_bitrate", "train"]
