"""Real-time streaming with a causal ECC model: packets in and out (docs/streaming.md).

    enc = StreamEncoder(); packets = enc.push(samples) + enc.flush()
    dec = StreamDecoder(); y = np.concatenate([dec.push(p) for p in packets] + [dec.flush()])
"""

from .container import read_stream_file, write_stream_file
from .decoder import DecoderState, StreamDecoder
from .encoder import EncoderState, StreamEncoder, stream_kbps
from .model_file import DEFAULT_STREAM_MODEL, streaming_model
from .packet import PacketError

__all__ = ["DEFAULT_STREAM_MODEL", "DecoderState", "EncoderState", "PacketError", "StreamDecoder", "StreamEncoder",
           "read_stream_file", "stream_kbps", "streaming_model", "write_stream_file"]
