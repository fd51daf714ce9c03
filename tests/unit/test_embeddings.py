"""The default sentence model runs in numpy (workbench.embeddings.BertEncoder) and must give the
vectors sentence-transformers gives for the same weights: the policy's thresholds were chosen on those."""
import numpy as np

from workbench.embeddings import SentenceEmbedder, default_model_path

TEXTS = ["the pop star who sang Shake It Off dancing in a kitchen", "a cat chasing a laser in space", "x",
         "Taylor Swift singing on a rainy rooftop at night, " * 40, "¿dónde está el perro? 🐶", ""]


def test_the_numpy_encoder_matches_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(default_model_path(), device="cpu").encode(TEXTS, normalize_embeddings=True)
    ours = SentenceEmbedder()(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.all((ours * reference).sum(axis=1) > 0.9999)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_the_default_model_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from workbench.embeddings import SentenceEmbedder; SentenceEmbedder()(['a dog']); "
            "print(sorted({'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_weights_are_mapped_only_while_encoding():
    """Between calls the model's pages are the kernel's page cache, not this process's memory (44 MB of
    a process that uploads a clip with a caption and then loads the face models). In a process of its
    own: sentence-transformers (the test above) maps the same file for as long as it lives."""
    import subprocess
    import sys

    code = ("import numpy as np\nfrom workbench.embeddings import SentenceEmbedder\n"
            "embedder = SentenceEmbedder()\nfirst = embedder(['a dog surfing'])\n"
            "mapped = 'model.safetensors' in open('/proc/self/maps').read()\n"
            "print(mapped, np.array_equal(first, embedder(['a dog surfing'])))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "True"], done.stderr
