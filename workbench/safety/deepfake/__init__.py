"""Deepfake and impersonation detection, and an evaluation harness others can reproduce.

samples     LabelledVideo: one video, its label (1 fake, 0 real), method, identity, split
benchmark   the shipped benchmark, built offline from real photos that registry packages ship
datasets    loaders for FaceForensics++, Celeb-DF and DFDC folders
tracks      face tracks: the fixed frames, faces, landmarks and embeddings every detector reads
features    what each detector looks at (spectrum, blending boundary, temporal), pure functions
detectors   FrequencyDetector, BlendingBoundaryDetector, TemporalDetector, SelfBlendedDetector (scikit-learn
            API), each calibrated on held-out videos
self_blended  pseudo-fakes blended from real faces, and the network that learns them (torch)
perturbations re-encoded, downscaled and noisy copies of test videos (robustness)
evaluation  DeepfakeBench's protocol: frame and video AUC, EER, AP; in-, cross-method, cross-dataset
harness     all of it end to end, for the CLI and notebooks

The names below are imported from their modules on first use, so that the output scan (which needs
only tracks) does not pay for scikit-learn when the app starts.
"""
from importlib import import_module

_WHERE = {
    "BenchmarkConfig": "benchmark", "METHODS": "benchmark", "build_benchmark": "benchmark", "load_benchmark": "benchmark",
    "load_celeb_df": "datasets", "load_dataset": "datasets", "load_dfdc": "datasets", "load_faceforensics": "datasets",
    "DETECTORS": "detectors", "BlendingBoundaryDetector": "detectors", "DeepfakeDetector": "detectors",
    "FrequencyDetector": "detectors", "SelfBlendedDetector": "detectors", "TemporalDetector": "detectors", "load_detector": "detectors",
    "make_detector": "detectors", "Labelled": "evaluation", "evaluate": "evaluation", "FAKE": "samples",
    "REAL": "samples", "LabelledVideo": "samples", "FaceTrack": "tracks", "extract_track": "tracks",
    "extract_tracks": "tracks", "track_from_frames": "tracks",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
