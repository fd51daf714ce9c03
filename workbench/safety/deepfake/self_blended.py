"""Self-blended images: a deepfake detector that never sees a fake (Shiohara & Yamasaki, "Detecting
Deepfakes with Self-Blended Images", CVPR 2022).

A manipulated face is, almost always, one face blended into another's frame: inside a mask around
the face the pixels come from a source that differs a little from the frame (in colour, sharpness,
position), and the mask's feathered edge is where the two meet. A self-blended image makes exactly
that from one real face: a copy of the face crop, slightly altered (colour and frequency jitter,
blur or sharpening, a small affine shift and scale), blended back into the original inside a mask
drawn from its own landmarks (their convex hull, deformed, eroded or dilated, and feathered). A
network trained to tell the real crop from its self-blend learns the blending itself, not one
manipulation's artefacts, and no manipulated clip is needed: the pseudo-fakes are made on the fly.

This module holds the pieces: the network's input (a region of the track's aligned crop), the
pseudo-fake, the network (a small convolutional one, trained on the CPU) and its training loop.
detectors.SelfBlendedDetector puts them behind the estimator API. torch is imported here, so this
module is imported only when a self-blended detector is made or loaded.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

#: the region of the track's 224 px aligned crop the network reads (x, y, side): the face's landmarks
#: and a margin around them, where a blending boundary lies
REGION = (32, 56, 160)
#: the network's input side (the region is scaled to it: about the face's size in a 256 px frame)
INPUT = 128
#: the blend ratios SBI draws from (the mask's peak): mostly a full blend, sometimes a partial one
BLEND_RATIOS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)


def network_inputs(crops: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The network's view of a track's crops (n, INPUT, INPUT, 3) uint8, and their landmarks in it."""
    x, y, side = REGION
    scale = INPUT / side
    images = np.stack([cv2.resize(crop[y:y + side, x:x + side], (INPUT, INPUT), interpolation=cv2.INTER_AREA)
                       for crop in crops]) if len(crops) else np.zeros((0, INPUT, INPUT, 3), np.uint8)
    return images, ((np.asarray(points, np.float32) - (x, y)) * scale).astype(np.float32)


# --- the pseudo-fake ------------------------------------------------------------------------------

def self_blend(image: np.ndarray, points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A self-blended image of a real face (RGB uint8) and its 68 landmarks: a jittered copy of the
    face blended into the original (or the original into a jittered copy) inside a deformed,
    feathered landmark mask."""
    source, target = image.astype(np.float32), image.astype(np.float32)
    altered = _jitter(source, rng)
    if rng.random() < 0.5:
        source = altered
    else:
        target = altered
    source = _shifted(source, rng)
    mask = blend_mask(image.shape[:2], points, rng)[..., None] * rng.choice(BLEND_RATIOS)
    return np.clip(source * mask + target * (1 - mask), 0, 255).round().astype(np.uint8)


def blend_mask(shape: tuple[int, int], points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The blend's mask in [0, 1]: the convex hull of the landmarks (all of them, or the outline
    without the brows, or the inner face), elastically deformed, eroded or dilated, and feathered."""
    height, width = shape
    outline = (np.arange(68), np.r_[np.arange(0, 17), np.arange(27, 36)], np.r_[np.arange(1, 16), np.arange(27, 68)],
               np.r_[np.arange(2, 15), np.arange(29, 36)])
    chosen = points[outline[int(rng.integers(len(outline)))]]
    mask = np.zeros((height, width), np.float32)
    cv2.fillConvexPoly(mask, cv2.convexHull(chosen.round().astype(np.int32)), 1.0)
    # elastic deformation: a smooth random displacement field (Simard et al., ICDAR 2003)
    strength, smooth = rng.uniform(2.0, 6.0) * width / INPUT, rng.uniform(6.0, 12.0) * width / INPUT
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, shape).astype(np.float32), (0, 0), smooth)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, shape).astype(np.float32), (0, 0), smooth)
    norm = max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    mask = cv2.remap(mask, xs + dx / norm * strength, ys + dy / norm * strength, cv2.INTER_LINEAR)
    size = int(rng.integers(1, max(2, width // 16)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    mask = cv2.erode(mask, kernel) if rng.random() < 0.5 else cv2.dilate(mask, kernel)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.5, 4.0) * width / INPUT)
    peak = float(mask.max())
    return mask / peak if peak > 0 else mask


def _jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour and frequency jitter, blur or sharpening: how a swapped-in face differs from its frame."""
    out = image.copy()
    if rng.random() < 0.8:  # colour: per-channel shift, saturation, brightness and contrast
        out = out + rng.uniform(-20, 20, 3).astype(np.float32)
        grey = out.mean(axis=2, keepdims=True)
        out = grey + (out - grey) * rng.uniform(0.8, 1.2)
        out = (out - 128) * rng.uniform(0.85, 1.15) + 128 + rng.uniform(-15, 15)
    choice = rng.random()
    height, width = out.shape[:2]
    if choice < 0.35:  # the frequency content of a lower-resolution render
        factor = rng.uniform(0.3, 0.7)
        small = cv2.resize(out, (max(8, round(width * factor)), max(8, round(height * factor))),
                           interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    elif choice < 0.6:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.5))
    elif choice < 0.85:
        out = _unsharp_masked(out, rng)
    return np.clip(out, 0, 255)


def _unsharp_masked(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """image (float32) sharpened by unsharp masking of a random radius and amount."""
    blurred = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.8, 2.0))
    return image + rng.uniform(0.3, 1.2) * (image - blurred)


def _shifted(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A small affine change of the source: translation up to 3 % and scale within 5 %."""
    height, width = image.shape[:2]
    scale = rng.uniform(0.95, 1.05)
    shift = rng.uniform(-0.03, 0.03, 2) * (width, height)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.0, scale)
    matrix[:, 2] += shift
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def degraded(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What an upload does to any frame, real or fake alike: a flip, a whole frame softened or
    sharpened, JPEG compression, noise, a lower resolution (so the network does not rely on detail a
    re-encoded clip loses, nor on how sharp a face is: only a change inside a mask is a blend)."""
    out = image[:, ::-1] if rng.random() < 0.5 else image
    out = _softened_or_sharpened(out, rng)
    if rng.random() < 0.8:  # a little rotated, scaled and moved
        angle, scale = rng.uniform(-10, 10), rng.uniform(0.9, 1.1)
        matrix = cv2.getRotationMatrix2D((INPUT / 2, INPUT / 2), angle, scale)
        matrix[:, 2] += rng.uniform(-0.05, 0.05, 2) * INPUT
        out = cv2.warpAffine(np.ascontiguousarray(out), matrix, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # white balance and exposure: a face's colour says nothing about a blend
    out = np.clip(out.astype(np.float32) * rng.uniform(0.8, 1.2, 3) + rng.uniform(-20, 20), 0, 255).astype(np.uint8)
    if rng.random() < 0.25:
        factor = rng.uniform(0.5, 0.9)
        side = max(16, round(INPUT * factor))
        out = cv2.resize(cv2.resize(out, (side, side), interpolation=cv2.INTER_AREA), (INPUT, INPUT),
                         interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3:
        out = np.clip(out + rng.normal(0, rng.uniform(1, 6), out.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, data = cv2.imencode(".jpg", np.ascontiguousarray(out), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 96))])
        out = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    return np.ascontiguousarray(out)


def _softened_or_sharpened(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Half the time the whole input blurred or unsharp-masked, as cameras and photo apps do: the
    self-blend's jitter does the same inside a mask only, so sharpness alone says nothing."""
    choice = rng.random()
    if choice >= 0.5:
        return image
    out = image.astype(np.float32)
    if choice < 0.25:
        out = _unsharp_masked(out, rng)
    else:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.2))
    return np.clip(out, 0, 255).round().astype(np.uint8)


# --- the network ----------------------------------------------------------------------------------

class BlendNet(nn.Module):
    """Five blocks of two 3x3 convolutions (group norm, ReLU), each but the last halving the image,
    then global average pooling and one logit: small enough to train on a CPU in minutes. Group
    normalisation, not batch normalisation: the same arithmetic in training and in use.

    The first block reads the image beside its high-frequency residual (the image less a 5x5
    binomial blur of it), as forgery detectors that generalise do (Luo et al., "Generalizing Face
    Forgery Detection with High-frequency Features", CVPR 2021): a blend shows as a change of noise
    and sharpness at the mask's edge, which the residual carries apart from a face's colours and
    shapes, the cues that tie a small network to the few people it trained on."""

    #: the residual's gain: it spans a few hundredths of the input's range, the image about one
    RESIDUAL_GAIN = 4.0

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        channels = (6, width, 2 * width, 4 * width, 8 * width, 8 * width)
        blocks = []
        for index, (a, b) in enumerate(zip(channels, channels[1:])):
            blocks += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.GroupNorm(8, b), nn.ReLU(inplace=True),
                       nn.Conv2d(b, b, 3, padding=1, bias=False), nn.GroupNorm(8, b), nn.ReLU(inplace=True)]
            if index < len(channels) - 2:
                blocks.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*blocks)
        self.head = nn.Linear(channels[-1], 1)
        binomial = torch.tensor([[1.0, 4.0, 6.0, 4.0, 1.0]])
        self.register_buffer("blur", ((binomial.T @ binomial) / 256).expand(3, 1, 5, 5).clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        blurred = nn.functional.conv2d(nn.functional.pad(x, (2, 2, 2, 2), mode="reflect"), self.blur, groups=3)
        x = torch.cat([x, (x - blurred) * self.RESIDUAL_GAIN], dim=1)
        return self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)


def as_tensor(images: np.ndarray) -> torch.Tensor:
    """(n, INPUT, INPUT, 3) uint8 to the network's (n, 3, INPUT, INPUT) floats in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)


@dataclass(frozen=True)
class TrainingReport:
    steps: int
    seconds: float
    final_loss: float


def train(images: np.ndarray, points: np.ndarray, *, width: int, steps: int, batch: int,
          learning_rate: float, seed: int, shuffled_labels: bool = False,
          time_limit_s: float | None = None) -> tuple[BlendNet, TrainingReport]:
    """A BlendNet trained to tell real face inputs (n, INPUT, INPUT, 3) from their self-blends: each
    step draws batch / 2 faces, and shows each as itself and self-blended. shuffled_labels is the
    control: the same images with their labels permuted, which nothing can learn from."""
    if len(images) == 0:
        raise ValueError("no real face to learn from")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    network = BlendNet(width)
    average = torch.optim.swa_utils.AveragedModel(network, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.98))
    optimiser = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=learning_rate, total_steps=steps)
    loss_fn = nn.BCEWithLogitsLoss()
    half = max(1, batch // 2)
    labels = torch.cat([torch.zeros(half), torch.ones(half)])
    network.train()
    started, loss, step = time.perf_counter(), torch.tensor(0.0), 0
    for step in range(1, steps + 1):
        picks = rng.integers(len(images), size=half)
        real = [degraded(images[i], rng) for i in picks]
        fake = [degraded(self_blend(images[i], points[i], rng), rng) for i in picks]
        target = labels[torch.from_numpy(rng.permutation(2 * half))] if shuffled_labels else labels
        optimiser.zero_grad()
        loss = loss_fn(network(as_tensor(np.stack(real + fake))), target)
        loss.backward()
        optimiser.step()
        schedule.step()
        average.update_parameters(network)
        if time_limit_s is not None and time.perf_counter() - started > time_limit_s:
            break
    network = average.module.eval()
    return network, TrainingReport(step, round(time.perf_counter() - started, 1), round(float(loss.detach()), 4))


def fake_probability(network: BlendNet, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """P(blended) of each input image: the mean over the image and its mirror image (a blend is one
    either way round; two looks halve the noise of one)."""
    if len(images) == 0:
        return np.zeros(0)
    out = []
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            inputs = as_tensor(images[start:start + batch])
            out.append(((torch.sigmoid(network(inputs)) + torch.sigmoid(network(inputs.flip(3)))) / 2).numpy())
    return np.concatenate(out).astype(np.float64)
