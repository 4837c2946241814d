"""Entropy models: the factorized prior (EntropyBottleneck), the Gaussian conditional with
entropy skip (both CompressAI-compatible), and the ECC paper's channel-wise slice context with
LRP and a deterministic inference path; all coded through ecc's ops as tensors."""

from .coding import CoderSettings
from .entropy_bottleneck import EntropyBottleneck
from .gaussian_conditional import GaussianConditional
from .slice_context import ChannelSliceContext, DeterministicConvStack

__all__ = ["ChannelSliceContext", "CoderSettings", "DeterministicConvStack", "EntropyBottleneck", "GaussianConditional"]
