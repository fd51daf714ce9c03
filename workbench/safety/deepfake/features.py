"""What each detector looks at, as pure functions of a face track (tracks.py).

- frequency: the azimuthally averaged power spectrum of the face crop (Durall, Keuper & Keuper, "Watch
  your up-convolution", CVPR 2020): up-sampling and re-rendering leave their mark in the high
  frequencies, which a 1-D profile of the spectrum shows to a linear classifier.
- blending: statistics on both sides of the face's outline. A face pasted or re-rendered into a frame
  carries its own noise, sharpness and colour; at the blending boundary these change abruptly (the cue
  behind Face X-ray: Li et al., CVPR 2020), and a re-rendered part of the face (the mouth in a
  reenactment) is smoother than the rest.
- temporal: what happens from frame to frame. Landmark jitter (inner face landmarks, aligned on the
  whole shape so camera motion cancels, wandering off a smooth path: per-frame face tools place the
  face with errors of their own), colour and sharpness flicker of the face against its surroundings,
  and identity drift (embeddings of the same face moving apart over the clip).
"""
from __future__ import annotations

import cv2
import numpy as np

from workbench.faces.alignment import similarity_align

SPECTRUM_BINS = 48
#: the face's part of the aligned crop (tracks.CROP_TEMPLATE puts the face in the middle half)
FACE_BOX = slice(56, 168)


def azimuthal_spectrum(gray: np.ndarray, bins: int = SPECTRUM_BINS) -> np.ndarray:
    """Durall et al.'s 1-D spectrum of an image: 20 log |DFT| averaged over rings of equal radius
    (frequency) from the lowest non-zero frequency out to the Nyquist radius, resampled to `bins`
    values and scaled to [0, 1] (their min-max normalisation). The mean is taken out first: the DC
    term would otherwise set the scale and flatten everything else."""
    gray = np.asarray(gray, np.float64)
    magnitude = 20 * np.log(np.abs(np.fft.fftshift(np.fft.fft2(gray - gray.mean()))) + 1e-8)
    height, width = gray.shape
    y, x = np.indices(gray.shape)
    radius = np.hypot(x - width // 2, y - height // 2).round().astype(int)
    limit = min(height, width) // 2
    sums = np.bincount(radius.ravel(), magnitude.ravel())[1:limit]
    counts = np.bincount(radius.ravel())[1:limit]
    profile = sums / np.maximum(counts, 1)
    profile = np.interp(np.linspace(0, limit - 2, bins), np.arange(limit - 1), profile)
    span = profile.max() - profile.min()
    return (profile - profile.min()) / span if span > 0 else np.zeros(bins)


def frequency_features(crops: np.ndarray) -> np.ndarray:
    """Per frame: the spectrum profiles of the whole crop and of the face box in it."""
    out = []
    for crop in crops:
        gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
        out.append(np.r_[azimuthal_spectrum(gray), azimuthal_spectrum(gray[FACE_BOX, FACE_BOX])])
    return np.asarray(out, np.float32).reshape(len(crops), 2 * SPECTRUM_BINS)


def face_regions(points: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Boolean masks around a face in a crop: its inside, the rings just inside and outside its outline
    (jaw and brows), the band across the outline, and the lower (mouth, jaw) and upper (eyes) face."""
    def hull(indices) -> np.ndarray:
        mask = np.zeros(shape, np.uint8)
        cv2.fillConvexPoly(mask, cv2.convexHull(points[indices].round().astype(np.int32)), 1)
        return mask

    face = hull(list(range(0, 27)))
    width = float(np.linalg.norm(points[16] - points[0]))
    r = max(2, round(0.05 * width))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    inner = cv2.erode(face, kernel)
    deep = cv2.erode(inner, kernel)
    outer = cv2.dilate(face, kernel)
    far = cv2.dilate(outer, kernel)
    lower = hull(list(range(3, 14)) + [31, 33, 35]) & deep
    upper = hull(list(range(17, 27)) + [36, 39, 42, 45]) & deep
    return {"inside": deep > 0, "inner_ring": (face - inner) > 0, "outer_ring": (far - outer) > 0,
            "boundary": (outer - inner) > 0, "lower": lower > 0, "upper": upper > 0}


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean()) if mask.any() else 0.0


def _log_ratio(a: float, b: float) -> float:
    return float(np.log((a + 1e-3) / (b + 1e-3)))


def blending_features(crop: np.ndarray, points: np.ndarray) -> np.ndarray:
    """One frame's contrasts across the face outline (noise, sharpness, edges in the noise map, colour)
    and between the lower and upper face."""
    regions = face_regions(points, crop.shape[:2])
    lab_bytes = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB)
    lab = lab_bytes.astype(np.float32)
    gray = lab[..., 0]
    residual = gray - cv2.medianBlur(np.ascontiguousarray(lab_bytes[..., 0]), 3).astype(np.float32)
    noise = np.sqrt(cv2.blur(residual ** 2, (7, 7)))
    sharpness = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    noise_edges = np.hypot(cv2.Sobel(noise, cv2.CV_32F, 1, 0), cv2.Sobel(noise, cv2.CV_32F, 0, 1))
    gradient = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    inside, boundary, inner_ring, outer_ring = (regions[k] for k in ("inside", "boundary", "inner_ring", "outer_ring"))
    elsewhere = inside | outer_ring
    colour_shift = [abs(_mean(lab[..., c], inner_ring) - _mean(lab[..., c], outer_ring))
                    / (float(lab[..., c][outer_ring].std()) + 1.0 if outer_ring.any() else 1.0) for c in range(3)]
    return np.array([
        _log_ratio(_mean(noise, inside), _mean(noise, outer_ring)),
        _log_ratio(_mean(noise, boundary), _mean(noise, outer_ring)),
        _log_ratio(_mean(noise, boundary), _mean(noise, inside)),
        _log_ratio(_mean(sharpness, inside), _mean(sharpness, outer_ring)),
        _log_ratio(_mean(sharpness, boundary), _mean(sharpness, inner_ring)),
        _log_ratio(_mean(noise_edges, boundary), _mean(noise_edges, elsewhere)),
        _log_ratio(_mean(gradient, boundary), _mean(gradient, elsewhere)),
        *colour_shift,
        _log_ratio(_mean(noise, regions["lower"]), _mean(noise, regions["upper"])),
        _log_ratio(_mean(sharpness, regions["lower"]), _mean(sharpness, regions["upper"])),
    ], np.float32)


def temporal_features(points: np.ndarray, frame_points: np.ndarray, crops: np.ndarray,
                      embeddings: np.ndarray) -> np.ndarray:
    """Per frame: how far its landmarks (inner face, mouth, outline), the face's colour against its
    surroundings and its sharpness lie off a straight path through the clip; then the clip's means of
    those and its identity drift, the same for every frame."""
    n = len(points)
    if n == 0:
        return np.zeros((0, TEMPORAL_SIZE), np.float32)
    reference = np.median(np.stack([similarity_align(p, frame_points[0]) for p in frame_points]), axis=0)
    aligned = np.stack([similarity_align(p, reference) for p in frame_points])
    iod = max(float(np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))), 1.0)
    shapes = (aligned - reference) / iod
    appearance = []
    for crop, p in zip(crops, points):
        regions = face_regions(p, crop.shape[:2])
        lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
        sharpness = np.abs(cv2.Laplacian(lab[..., 0], cv2.CV_32F))
        appearance.append([_mean(lab[..., c], regions["inside"]) - _mean(lab[..., c], regions["outer_ring"])
                           for c in range(3)]
                          + [_log_ratio(_mean(sharpness, regions["inside"]), _mean(sharpness, regions["outer_ring"]))])
    appearance = np.asarray(appearance, np.float64)
    off_path = {
        "inner": _off_path(shapes[:, 17:68].reshape(n, -1)),
        "mouth": _off_path(shapes[:, 48:68].reshape(n, -1)),
        "outline": _off_path(shapes[:, 0:17].reshape(n, -1)),
        "colour": _off_path(appearance[:, :3]) / 10.0,
        "sharpness": _off_path(appearance[:, 3:]),
    }
    per_frame = np.stack(list(off_path.values()), axis=1)
    drift = _identity_drift(embeddings)
    clip = np.r_[per_frame.mean(0), np.log(per_frame.mean(0)[0] + 1e-4) - np.log(per_frame.mean(0)[2] + 1e-4), drift]
    return np.c_[per_frame, np.tile(clip, (n, 1))].astype(np.float32)


def _off_path(series: np.ndarray) -> np.ndarray:
    """Per frame, the RMS distance of a (frames, values) series from its least-squares straight line
    over the frames (0 when there are fewer than three frames)."""
    n = len(series)
    if n < 3:
        return np.zeros(n)
    t = np.c_[np.ones(n), np.linspace(-1, 1, n)]
    fitted = t @ np.linalg.lstsq(t, series, rcond=None)[0]
    return np.sqrt(((series - fitted) ** 2).mean(axis=1))


def _identity_drift(embeddings: np.ndarray) -> list[float]:
    """The largest distance between two of the track's embeddings, and their mean distance from their
    mean: one person filmed stays put, a face rebuilt in every frame wanders."""
    if len(embeddings) < 2:
        return [0.0, 0.0]
    pairs = np.linalg.norm(embeddings[:, None] - embeddings[None], axis=2)
    return [float(pairs.max()), float(np.linalg.norm(embeddings - embeddings.mean(0), axis=1).mean())]


#: 5 per-frame values, then the 5 means, the inner-to-outline jitter ratio and 2 drift values
TEMPORAL_SIZE = 5 + 5 + 1 + 2
BLENDING_SIZE = 12
