"""Marking every clip as AI-generated: a visible moving watermark, then signed C2PA Content Credentials.

Order matters: burn the watermark into the frames, encode, then sign the MP4. The signature binds the
exact bytes (a BMFF hash over the boxes), so any later remux or re-encode strips the manifest and any
truncation or flipped byte makes it read Invalid; the watermark is what survives those.

Signing uses a local two-level PKI: a self-signed root (the trust anchor readers configure) and an
ES256 end-entity certificate issued by it. The keys live in a folder the caller chooses, under the
runtime data dir, never in the repository. c2pa and cryptography are imported inside the functions
that use them, so importing workbench stays light.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import math
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from workbench.files import StoredFile, replacing, write_atomically
from workbench.media.backend import RenderedClip
from workbench.media.codec import write_content_addressed
from workbench.media.procedural import font

MIN_SIDE = 64
#: overall opacity of the mark: readable on any background, the picture still visible through it
OPACITY = 0.7
#: seconds for one sweep across and back; different periods trace a Lissajous path that crosses the
#: centre only briefly (at full speed) instead of resting there
PERIOD_X_S, PERIOD_Y_S = 7.0, 11.0
#: start phases: the first frame (the feed's thumbnail) shows the mark near the top left, off-centre
PHASE_X, PHASE_Y = -0.6, -1.2

AI_SOURCE_TYPES = frozenset({
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
})
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
#: the actions assertion label of C2PA 2.x claims, which is what c2pa-rs 0.91 (c2pa-python 0.38) writes
ACTIONS_LABEL = "c2pa.actions.v2"
#: the CAWG metadata assertion; schema.org CreativeWork is deprecated in c2pa-rs and gone from C2PA 2.x
METADATA_LABEL = "cawg.metadata"
#: what a generated clip shows, as the renderer read its prompt (workbench.media.storyboard), and where
#: its subjects are drawn: signed with the clip, so that the claim travels with the file
STORYBOARD_LABEL = "org.workbench.storyboard"
MP4 = "video/mp4"


# --- the visible watermark ------------------------------------------------------------------------

def burn_watermark(clip, handle: str):
    """A copy of the clip with "AI · @handle" drifting over the frames; the input is left untouched. A
    RenderedClip's frames are copied and marked; a StreamedClip (workbench.media.codec) gets the mark
    as a filter applied to each frame as it is decoded, so a large upload is never held whole.

    The mark is rendered once into a small RGBA patch and alpha-blended per frame, so the cost is one
    copy of the frames plus a few microseconds a frame.
    """
    if clip.height < MIN_SIDE or clip.width < MIN_SIDE:
        raise ValueError(f"the watermark needs frames of at least {MIN_SIDE}x{MIN_SIDE}, got {clip.width}x{clip.height}")
    text = f"AI · @{handle.lstrip('@')}"
    mark = _watermark(text, clip.width, clip.height, clip.fps)
    metadata = {**clip.metadata, "watermark": text}
    if not isinstance(clip, RenderedClip):
        return clip.filtered(mark, metadata)
    frames = clip.frames.copy()
    for index, frame in enumerate(frames):
        mark(frame, index)
    return dataclasses.replace(clip, frames=frames, metadata=metadata)


def _watermark(text: str, width: int, height: int, fps: int):
    """mark(frame, index): blend the mark into a frame in place, where it drifts to at that frame."""
    margin = max(2, round(min(width, height) * 0.03))
    color, alpha = _patch(text, round(min(width, height) * 0.05), width - 2 * margin)
    patch_height, patch_width = alpha.shape[:2]
    inverse = 1.0 - alpha

    def mark(frame: np.ndarray, index: int) -> np.ndarray:
        seconds = index / fps
        x = margin + (width - patch_width - 2 * margin) * (0.5 + 0.5 * math.sin(2 * math.pi * seconds / PERIOD_X_S + PHASE_X))
        y = margin + (height - patch_height - 2 * margin) * (0.5 + 0.5 * math.sin(2 * math.pi * seconds / PERIOD_Y_S + PHASE_Y))
        x, y = int(np.rint(x)), int(np.rint(y))
        region = frame[y:y + patch_height, x:x + patch_width]
        region[...] = region * inverse + color + 0.5
        return frame

    return mark


@lru_cache(maxsize=32)
def _patch(text: str, font_size: int, max_width: int) -> tuple[np.ndarray, np.ndarray]:
    """The mark as (premultiplied RGB, alpha) float32 arrays, shrunk to fit max_width; cached per size."""
    typeface = font(max(10, font_size))
    stroke = max(1, font_size // 10)
    left, top, right, bottom = typeface.getbbox(text, stroke_width=stroke)
    star = bottom - top  # the mark is a square as tall as the text
    gap = max(2, star // 3)
    image = Image.new("RGBA", (star + gap + right - left, bottom - top), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, outer, inner = star / 2, star / 2 - 0.5, star / 6
    points = [(centre + (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 4 - math.pi / 2),
               centre + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 4 - math.pi / 2))
              for i in range(8)]
    draw.polygon(points, fill=(255, 255, 255, 255), outline=(0, 0, 0, 255))
    draw.text((star + gap - left, -top), text, font=typeface, fill=(255, 255, 255, 255),
              stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.LANCZOS)
    rgba = np.asarray(image, dtype=np.float32) / 255.0
    alpha = rgba[..., 3:] * OPACITY
    return rgba[..., :3] * alpha * 255.0, alpha


# --- signing credentials --------------------------------------------------------------------------

@dataclass(frozen=True)
class SigningCredentials:
    #: the local root CA certificate: the trust anchor a reader configures to see "Trusted"
    root_cert: Path
    #: the end-entity certificate followed by the root, as the signer embeds it in the manifest
    cert_chain: Path
    #: the end-entity private key (PKCS#8 PEM, mode 0600)
    private_key: Path


def credentials_in(folder: Path) -> SigningCredentials:
    """Where the credentials live in folder (whether or not they exist yet)."""
    folder = Path(folder)
    return SigningCredentials(folder / "root-ca.cert.pem", folder / "signer.chain.pem", folder / "signer.key.pem")


def ensure_credentials(folder: Path) -> SigningCredentials:
    """The signing credentials in folder, created on first use and reused afterwards.

    folder should be under the runtime data dir, never in the repository. A lock file serialises
    concurrent callers, so two processes starting at once cannot pair one's key with the other's
    certificate; a set left incomplete by a crash is generated afresh.
    """
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    credentials = credentials_in(folder)
    root_key = folder / "root-ca.key.pem"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        paths = (credentials.root_cert, credentials.cert_chain, credentials.private_key, root_key)
        if not all(path.exists() for path in paths):
            _generate(credentials, root_key)
    return credentials


def _generate(credentials: SigningCredentials, root_key_path: Path) -> None:
    """A local root CA (ECDSA P-256) and an ES256 end-entity certificate that C2PA validators accept."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Workbench"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def usage(*, signing: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=signing, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=not signing,
                             crl_sign=not signing, encipher_only=False, decipher_only=False)

    now = datetime.datetime.now(datetime.timezone.utc)
    start = now - datetime.timedelta(minutes=5)  # tolerate a little clock skew between machines
    root_key, signer_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder()
            .subject_name(name("Workbench Local Root CA")).issuer_name(name("Workbench Local Root CA"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(now + datetime.timedelta(days=10 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(signing=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    signer = (x509.CertificateBuilder()
              .subject_name(name("Workbench RenderedClip Signer")).issuer_name(root.subject)
              .public_key(signer_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(now + datetime.timedelta(days=3 * 365))
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(usage(signing=True), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                             critical=False)
              .sign(root_key, hashes.SHA256()))

    def pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    root_pem = root.public_bytes(serialization.Encoding.PEM)
    # Keys first, then certificates: a crash in between leaves an incomplete set, which is regenerated.
    write_atomically(root_key_path, pem_key(root_key), 0o600)
    write_atomically(credentials.private_key, pem_key(signer_key), 0o600)
    write_atomically(credentials.cert_chain, signer.public_bytes(serialization.Encoding.PEM) + root_pem, 0o644)
    write_atomically(credentials.root_cert, root_pem, 0o644)


# --- signing and verifying ------------------------------------------------------------------------

def sign_mp4(source: Path, destination: Path, *, author: str, tool: str = "workbench", title: str = "",
             parent: Path | None = None, credentials: SigningCredentials, storyboard: dict | None = None) -> None:
    """Write a signed copy of source declaring it AI-generated by tool for author (a handle).

    A remix or an upload names its parent file as a parentOf ingredient (an opened action, then an AI
    edit); a new clip gets a created action. A parent C2PA cannot read (WebM, MPEG-TS, a damaged or
    padded MP4, ...) is not embedded: the clip then records its creation, described as a re-encoding
    of an upload in the source's container. The write is atomic (temporary file, then rename), so source and destination
    may be the same path and a failure leaves no partial file.
    """
    import c2pa

    if parent is not None:
        try:
            return _sign(source, destination, author, tool, title, credentials, parent, storyboard=storyboard)
        except c2pa.C2paError:  # the parent, not the clip: the clip itself is our own H.264 mp4
            return _sign(source, destination, author, tool, title, credentials, None,
                         unreadable_parent=_container_name(parent), storyboard=storyboard)
    return _sign(source, destination, author, tool, title, credentials, None, storyboard=storyboard)


def _sign(source: Path, destination: Path, author: str, tool: str, title: str, credentials: SigningCredentials,
          parent: Path | None, unreadable_parent: str | None = None, storyboard: dict | None = None) -> None:
    import c2pa

    source, destination = Path(source), Path(destination)
    agent = {"name": tool}
    if parent is not None:
        actions = [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
                   {"action": "c2pa.edited", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent}]
    elif unreadable_parent is not None:
        # C2PA's first action is created or opened, and opened needs an ingredient
        actions = [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent,
                    "parameters": {"description": f"re-encoded from an upload ({unreadable_parent}) whose "
                                                  "Content Credentials could not be read"}}]
    else:
        actions = [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent}]
    manifest = {
        "claim_generator_info": [{"name": tool}],
        "title": title or destination.name,
        "assertions": [
            {"label": ACTIONS_LABEL, "data": {"actions": actions}},
            {"label": METADATA_LABEL, "data": {"@context": {"dc": "http://purl.org/dc/elements/1.1/"},
                                                "dc:creator": [f"@{author.lstrip('@')}"]}},
            *([{"label": STORYBOARD_LABEL, "data": storyboard}] if storyboard else []),
        ],
    }
    signer_info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, credentials.cert_chain.read_bytes(),
                                      credentials.private_key.read_bytes(), None)
    # The trust context makes the parent's recorded validation read Trusted when we signed it too.
    with _context(credentials.root_cert) as context, c2pa.Signer.from_info(signer_info) as signer, \
            c2pa.Builder(manifest, context=context) as builder:
        if parent is not None:
            with open(parent, "rb") as parent_file:
                builder.add_ingredient({"title": Path(parent).name, "relationship": "parentOf", "label": "parent"},
                                       _ingredient_type(parent), parent_file)
        with replacing(destination) as temp, open(source, "rb") as source_file, open(temp, "w+b") as signed:
            builder.sign(signer, MP4, source_file, signed)


#: containers (as PyAV names them) whose Content Credentials C2PA reads, and their media types
_C2PA_CONTAINERS = {"avi": "video/x-msvideo", "gif": "image/gif"}


def _container_name(path: Path) -> str:
    import av

    try:
        with av.open(str(path)) as container:
            return container.format.name
    except av.error.FFmpegError:
        return "an unknown format"


def _ingredient_type(path: Path) -> str:
    """The media type C2PA reads the parent as: QuickTime or MP4 by the file's brand, AVI or GIF by its
    container, and MP4 otherwise (C2PA then refuses what is not, and sign_mp4 signs without it)."""
    with open(path, "rb") as file:
        head = file.read(12)
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else MP4
    return _C2PA_CONTAINERS.get(_container_name(path), MP4)


def verify(path: Path, trust_anchors: Path | None = None) -> dict:
    """What the file's Content Credentials say and whether they hold; never raises for a bad file.

    state is the SDK's validation state: "Trusted" (valid and signed under trust_anchors, a root
    certificate PEM), "Valid" (intact, signer not trusted), "Invalid" (tampered or unreadable), or None
    when there is no manifest; trusted is state == "Trusted". author is who the manifest says made the
    file: anyone can sign that claim with a key of their own, so it is evidence only when trusted.
    errors lists the failed validation codes, or the SDK's error text. signer, signed_at, actions and
    ingredients (title, relationship: parentOf / componentOf, whether it carried credentials of its own)
    are the chain a reviewer reads.
    Raises FileNotFoundError for a missing path.
    """
    import c2pa

    report = {"manifest": False, "state": None, "trusted": False, "ai_generated": False, "author": None,
              "tool": None, "parent": False, "errors": [], "signer": None, "signed_at": None, "actions": [],
              "ingredients": []}
    with open(path, "rb") as file, _context(trust_anchors) as context:
        try:
            with c2pa.Reader(MP4, file, context=context) as reader:
                store = json.loads(reader.json())
        except c2pa.C2paError.ManifestNotFound:
            return {**report, "errors": ["ManifestNotFound"]}
        except c2pa.C2paError as error:
            return {**report, "state": "Invalid", "errors": [str(error)]}

    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    assertions = {assertion["label"]: assertion["data"] for assertion in manifest.get("assertions", [])}
    # C2PA 1.x tools (other generators' uploads) still write the unversioned label
    actions = assertions.get(ACTIONS_LABEL, assertions.get("c2pa.actions", {})).get("actions", [])
    creators = assertions.get(METADATA_LABEL, {}).get("dc:creator") or [None]
    generators = manifest.get("claim_generator_info") or [{}]
    return {
        **report,
        "manifest": True,
        "state": store.get("validation_state"),
        "trusted": store.get("validation_state") == "Trusted",
        "ai_generated": any(action.get("digitalSourceType") in AI_SOURCE_TYPES for action in actions),
        "author": creators[0],
        "tool": generators[0].get("name"),
        "parent": any(ingredient.get("relationship") == "parentOf" for ingredient in manifest.get("ingredients", [])),
        "errors": [status["code"] for status in store.get("validation_status", [])],
        # the chain a reviewer reads: who signed, what was done, and what it was made from
        "signer": manifest.get("signature_info", {}).get("issuer"),
        "signed_at": manifest.get("signature_info", {}).get("time"),
        "actions": [{"action": action.get("action"), "ai_generated": action.get("digitalSourceType") in AI_SOURCE_TYPES,
                     "software": (action.get("softwareAgent") or {}).get("name")
                     if isinstance(action.get("softwareAgent"), dict) else action.get("softwareAgent")}
                    for action in actions],
        "ingredients": [{"title": ingredient.get("title"), "relationship": ingredient.get("relationship"),
                         "format": ingredient.get("format"),
                         "has_credentials": bool(ingredient.get("active_manifest"))}
                        for ingredient in manifest.get("ingredients", [])],
    }


def read_storyboard(path: Path) -> dict | None:
    """The storyboard a generated clip was signed with ({"storyboard": {"shots": [...]}, "placements":
    [...]}), or None for a file without one (an upload, another tool's file, no manifest)."""
    import c2pa

    with open(path, "rb") as file, _context(None) as context:
        try:
            with c2pa.Reader(MP4, file, context=context) as reader:
                store = json.loads(reader.json())
        except c2pa.C2paError:
            return None
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    return next((a["data"] for a in manifest.get("assertions", []) if a["label"] == STORYBOARD_LABEL), None)


def _context(trust_anchors: Path | None):
    """An SDK context that trusts the given root certificate, or the SDK's defaults for None."""
    import c2pa

    if trust_anchors is None:
        return c2pa.Context()
    return c2pa.Context.from_dict({"trust": {"trust_anchors": Path(trust_anchors).read_text()},
                                   "verify": {"verify_trust": True}})


# --- the one way clips are stored ---------------------------------------------------------------------------

def store_ai_clip(clip, media_dir: Path, *, author: str, credentials: SigningCredentials,
                  parent: Path | None = None, tool: str = "workbench") -> StoredFile:
    """Watermark, encode, sign and store a generated clip (a RenderedClip) or an upload (a StreamedClip)
    under its content address.

    Every file the workbench writes goes through here, so every file carries the moving watermark
    and Content Credentials naming its author (and, for a remix, its parent).
    """
    handle = author.lstrip("@")
    metadata = getattr(clip, "metadata", {})
    storyboard = {"storyboard": metadata["storyboard"], "placements": metadata.get("placements", [])} \
        if "storyboard" in metadata else None
    sign = partial(sign_mp4, author=f"@{handle}", tool=tool, parent=parent, credentials=credentials,
                   storyboard=storyboard)
    return write_content_addressed(burn_watermark(clip, handle), media_dir, sign=sign)
