"""The workbench: prototype, police and measure an AI-generated-video social platform.

The public entry point is :func:`open_workbench`; every service method takes the acting user.
Heavy libraries (PyAV, pandas) are imported where they are used, so this import stays light.
"""
from workbench.actors import OPERATOR, UserView
from workbench.core import Workbench, open_workbench
from workbench.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkbenchError
from workbench.store.models import CameoKind, CameoStatus, JobStatus, Role, VideoStatus

#: the views' roles and statuses are these enums' values (str enums: compare either way)
__all__ = ["OPERATOR", "CameoKind", "CameoStatus", "Conflict", "Forbidden", "InvalidInput", "JobStatus", "NotFound",
           "Role", "UserView", "VideoStatus", "Workbench", "WorkbenchError", "open_workbench"]
