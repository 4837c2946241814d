"""Switch one CompressAI model to ecc's coder and back, with the same strings.

``use_ecc(model)`` sets instance attributes on the model's own modules and nothing else (no
class, no ``compressai`` module is patched), so other models, models built later and other
threads keep CompressAI's coder:

- every entropy model (``EntropyBottleneck``, ``GaussianConditional``, and so every latent codec
  of CompressAI 1.2.x: hyperprior, checkerboard, channel groups, ELIC's) gets the tensor-native
  ``compress``/``decompress`` of :mod:`ecc.coding.compressai_entropy` (where its class keeps
  CompressAI's), and an ``entropy_coder`` of list drop-ins for code that calls the coder directly;
- a ``GaussianConditional`` keeping CompressAI's ``build_indexes`` gets
  :func:`ecc.coding.compressai_entropy.build_indexes` (one ``bucketize``, the same integers);
- mbt2018's ``_decompress_ar`` (cheng2020's too) becomes :mod:`ecc.coding.compressai_autoregressive`'s,
  the same floating-point operations around ecc's ops on tensors;
- every other method that builds a ``compressai.ans`` coder (``_compress_ar``,
  ``RasterScanLatentCodec``) is rebound, for this instance, to ecc's drop-ins
  (:mod:`ecc.coding.compressai_adapter`), which reuse the model's tables.
"""

from __future__ import annotations

import contextlib
import functools
import types
import weakref
from typing import Callable

import torch

from . import compressai_adapter, compressai_autoregressive, compressai_entropy

_ABSENT = object()
# module -> {attribute: its instance value before use_ecc, or _ABSENT}
_SWITCHED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CODERS = ("RansEncoder", "BufferedRansEncoder", "RansDecoder")


class _EntropyCoder:
    """Stands in for an entropy model's ``compressai.entropy_models._EntropyCoder``."""

    name = "ans"

    def __init__(self):
        self._encoder = compressai_adapter.RansEncoder()
        self._decoder = compressai_adapter.RansDecoder()

    def encode_with_indexes(self, *args, **kwargs):
        return self._encoder.encode_with_indexes(*args, **kwargs)

    def decode_with_indexes(self, *args, **kwargs):
        return self._decoder.decode_with_indexes(*args, **kwargs)


@functools.lru_cache(maxsize=None)
def _coder_methods(cls: type) -> tuple[tuple[str, types.FunctionType, tuple[str, ...]], ...]:
    """(name, function, coder names) of the methods of ``cls`` that build ``compressai.ans`` coders
    from their module's globals."""
    import compressai.ans

    found = {}
    for klass in reversed(cls.__mro__):  # subclasses override their bases
        for name, f in vars(klass).items():
            if isinstance(f, types.FunctionType):
                coders = tuple(c for c in _CODERS
                               if c in f.__code__.co_names and f.__globals__.get(c) is getattr(compressai.ans, c))
                found[name] = (name, f, coders)
    return tuple(entry for entry in found.values() if entry[2])


def _rebound(module: torch.nn.Module, f: types.FunctionType, coders: tuple[str, ...], models) -> types.MethodType:
    """``f`` bound to ``module``, its coder names pointing at ecc's drop-ins for ``models``."""
    scope = dict(f.__globals__)
    for name in coders:
        scope[name] = functools.partial(getattr(compressai_adapter, name), models=models)
    g = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    return types.MethodType(g, module)


def _check_coder(name: str, model) -> None:
    if model.entropy_coder.name != "ans" or model.entropy_coder_precision != 16:
        raise ValueError(
            f"{name or 'the model'} ({type(model).__name__}) uses CompressAI's {model.entropy_coder.name!r} coder at "
            f"precision {model.entropy_coder_precision}; ecc writes the 'ans' coder's streams at precision 16 only. "
            "Build it with entropy_coder='ans' and entropy_coder_precision=16, or leave it on CompressAI's coder.")


def _replacements(module: torch.nn.Module, name: str) -> dict[str, object]:
    """The instance attributes that put ``module`` on ecc's coder."""
    from compressai.entropy_models import EntropyBottleneck, EntropyModel, GaussianConditional
    from compressai.models import JointAutoregressiveHierarchicalPriors

    out = {}
    cls = type(module)
    if isinstance(module, EntropyModel):
        _check_coder(name, module)
        out["entropy_coder"] = _EntropyCoder()
        if cls.compress is EntropyModel.compress and cls.decompress is EntropyModel.decompress:
            out["compress"] = types.MethodType(compressai_entropy.compress, module)
            out["decompress"] = types.MethodType(compressai_entropy.decompress, module)
        elif cls.compress is EntropyBottleneck.compress and cls.decompress is EntropyBottleneck.decompress:
            out["compress"] = types.MethodType(compressai_entropy.bottleneck_compress, module)
            out["decompress"] = types.MethodType(compressai_entropy.bottleneck_decompress, module)
    if isinstance(module, GaussianConditional) and cls.build_indexes is GaussianConditional.build_indexes:
        out["build_indexes"] = types.MethodType(compressai_entropy.build_indexes, module)
    methods = _coder_methods(cls)
    if methods:
        models = tuple(m for m in module.modules() if isinstance(m, EntropyModel))
        out.update((attr, _rebound(module, f, coders, models)) for attr, f, coders in methods)
    autoregressive = JointAutoregressiveHierarchicalPriors
    if isinstance(module, autoregressive) and cls._decompress_ar is autoregressive._decompress_ar:
        out["_decompress_ar"] = types.MethodType(compressai_autoregressive.decompress_ar, module)
    return out


def use_ecc(model: torch.nn.Module) -> Callable[[], None]:
    """Code ``model`` (a CompressAI model, latent codec or entropy model) with ecc: the same
    strings and reconstructions as CompressAI's coder, coded from tensors, on the latents' device.

    Only this model's modules change; calling it again, or on a part, switches nothing twice.

    Returns:
        ``restore()``, which puts back CompressAI's coder on what this call switched.
    Raises:
        ValueError if an entropy model uses another coder than CompressAI's 'ans' at precision 16.
    """
    plans = [(m, _replacements(m, name)) for name, m in model.named_modules() if m not in _SWITCHED]
    switched = []
    for module, attrs in plans:
        if attrs:
            _SWITCHED[module] = {attr: module.__dict__.get(attr, _ABSENT) for attr in attrs}
            for attr, value in attrs.items():
                object.__setattr__(module, attr, value)
            switched.append(module)
    return functools.partial(_restore, switched)


def _restore(modules) -> None:
    for module in modules:
        for attr, before in _SWITCHED.pop(module, {}).items():
            if before is _ABSENT:
                del module.__dict__[attr]
            else:
                object.__setattr__(module, attr, before)


def use_compressai(model: torch.nn.Module) -> None:
    """Put every module of ``model`` that :func:`use_ecc` switched back on CompressAI's coder."""
    _restore(list(model.modules()))


@contextlib.contextmanager
def compressai_backend(*models: torch.nn.Module):
    """``use_ecc`` on ``models`` for the block; restored on exit::

        with ecc.coding.compressai_backend(model):
            out = model.compress(x)          # same strings as CompressAI's own coder
    """
    restores = []
    try:
        for model in models:
            restores.append(use_ecc(model))
        yield
    finally:
        for restore in reversed(restores):
            restore()
