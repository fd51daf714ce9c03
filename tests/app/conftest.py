"""The AppTest modules' world: a small seeded demo world per module."""
import pytest
import streamlit as st

from workbench import open_workbench


@pytest.fixture(scope="module")
def world(tmp_path_factory, demo_world):
    """One small demo world for the module; pages reach it through WORKBENCH_DATA_DIR."""
    data_dir = demo_world(tmp_path_factory.mktemp("app-world"), clips=8)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKBENCH_DATA_DIR", str(data_dir))
        env.setenv("WORKBENCH_QUEUE_URL", "immediate")  # jobs run inside the submitting call
        env.setenv("WORKBENCH_REVIEW_QA_SHARE", "0")  # no blind quality review drawn at random
        env.delenv("WORKBENCH_DATABASE_URL", raising=False)
        env.delenv("WORKBENCH_MEDIA_DIR", raising=False)
        wb = open_workbench()
        st.cache_resource.clear()
        yield wb
        st.cache_resource.clear()
        wb.close()
