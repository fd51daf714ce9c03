"""AI-generated marking: the moving watermark, the local signing PKI, and C2PA sign/verify on real MP4s."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from workbench.media.backend import RenderedClip, GenerationRequest
from workbench.media.codec import encode_mp4, read_frames
from workbench.media.procedural import ProceduralBackend
from workbench.media.provenance import SigningCredentials, burn_watermark, ensure_credentials, sign_mp4, verify


@pytest.fixture(scope="module")
def clip() -> RenderedClip:
    return ProceduralBackend().generate(GenerationRequest(prompt="a cat chasing a laser in space", seed=1,
                                                          duration_s=1.0))


@pytest.fixture(scope="module")
def credentials(tmp_path_factory) -> SigningCredentials:
    return ensure_credentials(tmp_path_factory.mktemp("runtime") / "signing")


@pytest.fixture(scope="module")
def signed(clip, credentials, tmp_path_factory) -> Path:
    """The whole pipeline: watermark, encode, sign."""
    folder = tmp_path_factory.mktemp("media")
    encode_mp4(burn_watermark(clip, "alice"), folder / "raw.mp4")
    sign_mp4(folder / "raw.mp4", folder / "signed.mp4", author="alice", title="a cat", credentials=credentials)
    return folder / "signed.mp4"


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels that differ between two frames."""
    rows, cols = np.nonzero(np.any(before != after, axis=-1))
    assert rows.size, "the watermark changed nothing in this frame"
    return rows.min(), cols.min(), rows.max() + 1, cols.max() + 1


def mdat_payload(data: bytes) -> tuple[int, int]:
    """(start, end) of the mdat box's payload, from the top-level box headers."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[offset + 8:offset + 16])[0], 16
        if kind == b"mdat":
            return offset + header, offset + (size or len(data) - offset)
        offset += size
    raise AssertionError("no mdat box")


# --- watermark --------------------------------------------------------------------------------------

def test_watermark_is_a_small_moving_patch_and_leaves_the_input_alone(clip):
    original, metadata = clip.frames.copy(), dict(clip.metadata)
    marked = burn_watermark(clip, "@alice")

    assert np.array_equal(clip.frames, original) and clip.metadata == metadata
    assert marked.frames.shape == clip.frames.shape and marked.frames.dtype == np.uint8
    assert marked.metadata["watermark"] == "AI · @alice"
    assert marked.fps == clip.fps and marked.audio is clip.audio

    height, width = clip.height, clip.width
    boxes = [changed_box(original[i], marked.frames[i]) for i in range(len(original))]
    for top, left, bottom, right in boxes:
        # every changed pixel lies in one small box well inside the frame: the rest is untouched
        assert (bottom - top) * (right - left) < 0.05 * height * width
        assert top > 0 and left > 0 and bottom < height and right < width
    first, later = boxes[0], boxes[12]
    assert abs(first[0] - later[0]) + abs(first[1] - later[1]) > 10, "the watermark did not move"
    assert first[2] < height / 2, "the first frame (the thumbnail) should show the mark off-centre, near the top"
    assert np.array_equal(burn_watermark(clip, "alice").frames, marked.frames), "not deterministic"


def test_watermark_fits_the_smallest_frames_and_refuses_smaller():
    frames = np.full((30, 64, 64, 3), 40, dtype=np.uint8)
    tiny = RenderedClip(frames=frames, fps=24, audio=np.zeros(100, np.float32), sample_rate=48_000)
    marked = burn_watermark(tiny, "someone_with_a_really_long_handle")
    assert all(np.any(marked.frames[i] != 40) for i in range(30))
    with pytest.raises(ValueError):
        burn_watermark(RenderedClip(frames=frames[:, :63], fps=24, audio=tiny.audio, sample_rate=48_000), "x")


# --- credentials ------------------------------------------------------------------------------------

def test_credentials_are_created_once_with_private_keys_kept_private(tmp_path):
    from cryptography import x509

    first = ensure_credentials(tmp_path / "signing")
    contents = {path: path.read_bytes() for path in (first.root_cert, first.cert_chain, first.private_key)}
    second = ensure_credentials(tmp_path / "signing")
    assert second == first
    assert {path: path.read_bytes() for path in contents} == contents
    for key in tmp_path.joinpath("signing").glob("*.key.pem"):
        assert key.stat().st_mode & 0o777 == 0o600
    assert first.private_key.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.joinpath("signing").glob("*.part"))

    root = x509.load_pem_x509_certificate(first.root_cert.read_bytes())
    signer, chained_root = x509.load_pem_x509_certificates(first.cert_chain.read_bytes())
    assert chained_root == root
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    constraints = signer.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage)
    assert not constraints.value.ca and usage.critical and usage.value.digital_signature
    assert not usage.value.key_cert_sign
    assert x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION in signer.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    signer.verify_directly_issued_by(root)


# --- signing and verifying --------------------------------------------------------------------------

def test_signed_clip_is_trusted_under_the_local_root_and_declared_ai_generated(signed, credentials):
    report = verify(signed, trust_anchors=credentials.root_cert)
    chain = {key: report.pop(key) for key in ("signer", "signed_at", "actions", "ingredients")}
    assert report == {"manifest": True, "state": "Trusted", "trusted": True, "ai_generated": True, "author": "@alice",
                      "tool": "workbench", "parent": False, "errors": []}
    # the chain a reviewer reads: who signed, and what was done
    assert chain["signer"] and chain["ingredients"] == []
    assert chain["actions"] == [{"action": "c2pa.created", "ai_generated": True, "software": "workbench"}]


def test_without_trust_anchors_the_signer_is_valid_but_untrusted(signed):
    report = verify(signed)
    assert report["manifest"] and report["state"] == "Valid" and report["ai_generated"]
    assert report["errors"] == ["signingCredential.untrusted"] and not report["trusted"]


def test_a_remix_names_its_parent(signed, credentials, clip, tmp_path):
    encode_mp4(burn_watermark(clip, "bob"), tmp_path / "raw.mp4")
    sign_mp4(tmp_path / "raw.mp4", tmp_path / "remix.mp4", author="@bob", parent=signed, credentials=credentials)
    report = verify(tmp_path / "remix.mp4", trust_anchors=credentials.root_cert)
    assert report["state"] == "Trusted" and report["ai_generated"] and report["author"] == "@bob"
    assert report["parent"] is True


def test_truncation_and_a_flipped_byte_read_invalid(signed, credentials, tmp_path):
    data = signed.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[:-1000])
    start, end = mdat_payload(data)
    flipped = bytearray(data)
    flipped[(start + end) // 2] ^= 0x01
    (tmp_path / "flipped.mp4").write_bytes(bytes(flipped))

    for path in (truncated, tmp_path / "flipped.mp4"):
        report = verify(path, trust_anchors=credentials.root_cert)
        assert report["state"] == "Invalid", path.name
        assert "assertion.bmffHash.mismatch" in report["errors"], path.name


def test_reencoding_strips_the_manifest(signed, clip, tmp_path):
    decoded = RenderedClip(frames=read_frames(signed), fps=clip.fps, audio=clip.audio, sample_rate=clip.sample_rate)
    encode_mp4(decoded, tmp_path / "reencoded.mp4")
    report = verify(tmp_path / "reencoded.mp4")
    assert report["manifest"] is False and report["state"] is None and not report["ai_generated"]
    assert report["errors"] == ["ManifestNotFound"]


def test_bad_files_are_reported_not_raised_and_a_missing_path_raises(credentials, tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    report = verify(tmp_path / "junk.mp4")
    assert report["manifest"] is False and report["state"] == "Invalid" and report["errors"]
    with pytest.raises(FileNotFoundError):
        verify(tmp_path / "missing.mp4")


def test_a_failed_signing_leaves_no_file(credentials, tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    with pytest.raises(Exception):
        sign_mp4(tmp_path / "junk.mp4", tmp_path / "out.mp4", author="alice", credentials=credentials)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["junk.mp4"]
