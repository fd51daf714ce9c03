"""An upload's size and memory, through the CLI a person runs (issue 17, item 7): a file over the limit is
refused before it is read, sizes read in units people use, a 1080p upload never sits in memory whole."""
import json
import os
import subprocess
import sys

import av
import numpy as np
import pytest

from workbench import OPERATOR, open_workbench

#: runs the CLI in this process and reports its peak resident memory (KB) on stderr, however it exits:
#: VmHWM, which starts afresh with the program (ru_maxrss would count the forked pytest worker's pages)
MEASURED = ("import runpy, sys\ntry:\n    runpy.run_module('workbench.cli', run_name='__main__')\nfinally:\n"
            "    peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0].split()[1]\n"
            "    sys.stderr.write(f'\\nMAXRSS {peak}\\n')")


def measured_cli(data_dir, *args, **env):
    environment = {**os.environ, "WORKBENCH_DATA_DIR": str(data_dir), **env}
    environment.pop("WORKBENCH_DATABASE_URL", None)
    environment.pop("WORKBENCH_MEDIA_DIR", None)
    done = subprocess.run([sys.executable, "-c", MEASURED, *args], env=environment, capture_output=True, text=True,
                          timeout=300)
    peak_mb = int(done.stderr.rsplit("MAXRSS ", 1)[1].split()[0]) / 1024
    return done, peak_mb


@pytest.fixture
def data_dir(tmp_path):
    wb = open_workbench(data_dir=tmp_path / "data")
    wb.users.create(OPERATOR, "ana")
    wb.models.faces  # an installation's first use builds its face model pack once (a 100 MB moment of its own)
    wb.close()
    return tmp_path / "data"


def test_a_file_over_the_limit_is_refused_before_it_is_read(data_dir, tmp_path):
    big = tmp_path / "huge.mp4"
    with open(big, "wb") as file:  # 300 MB, sparse: reading it would take 300 MB of memory
        file.truncate(300_000_000)
    done, peak_mb = measured_cli(data_dir, "upload", str(big), "--as", "ana", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout.splitlines()[0])["error"] == "the upload is 300 MB; the limit is 200 MB"
    assert peak_mb < 250, peak_mb


def test_sizes_are_said_in_units_people_read(data_dir, tmp_path):
    """The message read "the upload is 0 MB; the limit is 0 MB" under a small limit."""
    small = tmp_path / "small.mp4"
    small.write_bytes(b"\0" * 150_000)
    done, _ = measured_cli(data_dir, "upload", str(small), "--as", "ana", "--json", WORKBENCH_MAX_UPLOAD_BYTES="100000")
    assert json.loads(done.stdout.splitlines()[0])["error"] == "the upload is 150 KB; the limit is 100 KB"


def test_a_1080p_upload_is_never_held_whole(data_dir, tmp_path):
    """A 14 KB 1080p 4 s upload peaked at 1.9 GB: every frame was decoded into memory; then, with a
    caption, 790 MB: scikit-learn and pandas loaded for the scan, the encoder beside the models."""
    path = tmp_path / "hd.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        for index in range(120):
            frame = av.VideoFrame.from_ndarray(np.full((1080, 1920, 3), 40 + index, np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    # with a caption: the prompt policy's sentence model and the scan's face models in one process
    done, peak_mb = measured_cli(data_dir, "upload", str(path), "--as", "ana", "--caption", "my dog surfing at sunset",
                                 "--json")
    assert done.returncode == 0, done.stderr
    stored = json.loads(done.stdout)
    assert (stored["width"], stored["height"], stored["duration_s"]) == (1920, 1080, 4.0)
    assert peak_mb < 600, (peak_mb, done.stderr[-3000:])
    print(f"peak {peak_mb:.0f} MB")
