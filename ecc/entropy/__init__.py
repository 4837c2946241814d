"""Entropy models: the factorized prior (EntropyBottleneck) and the Gaussian conditional with
entropy skip, CompressAI-compatible, coded through ecc's ops as tensors."""

from .coding import CoderSettings
from .entropy_bottleneck import EntropyBottleneck
from .gaussian_conditional import GaussianConditional

__all__ = ["CoderSettings", "EntropyBottleneck", "GaussianConditional"]
